package cfsim

import (
	"net/http"
)

// rulesetBody is the body of PUT on a ruleset or a phase entrypoint.
type rulesetBody struct {
	Name        *string     `json:"name"`
	Description *string     `json:"description"`
	Kind        *string     `json:"kind"`
	Phase       *string     `json:"phase"`
	Rules       []ruleInput `json:"rules"`
}

func checkPhase(phase string) *apiError {
	if _, ok := phaseActions[phase]; !ok {
		return errf(http.StatusBadRequest, codeRulesetInvalid, "Phase %q is not supported; use http_request_firewall_custom or http_ratelimit.", phase)
	}
	return nil
}

func (s *Server) listRulesets(c *call) (any, any, *apiError) {
	out := []rulesetJSON{}
	for _, rs := range c.zone.Rulesets {
		out = append(out, rulesetToJSON(rs, false))
	}
	return out, nil, nil
}

func (s *Server) getEntrypoint(c *call) (any, any, *apiError) {
	phase := c.params["phase"]
	rs := c.zone.entrypoint(phase)
	if rs == nil {
		return nil, nil, errf(http.StatusNotFound, codeNotFound, "could not find entrypoint ruleset in the %s phase", phase)
	}
	return rulesetToJSON(rs, true), nil, nil
}

func (s *Server) putEntrypoint(c *call) (any, any, *apiError) {
	phase := c.params["phase"]
	if err := checkPhase(phase); err != nil {
		return nil, nil, err
	}
	var body rulesetBody
	if err := c.decodeBody(&body); err != nil {
		return nil, nil, err
	}
	existed := c.zone.entrypoint(phase) != nil
	rs := s.st.ensureEntrypoint(c.zone, phase, c.now)
	if err := s.st.replaceRules(c.zone, rs, body.Name, body.Description, body.Rules, c.actor()); err != nil {
		if !existed {
			s.dropRuleset(c.zone, rs.ID)
		}
		return nil, nil, err
	}
	return rulesetToJSON(rs, true), nil, nil
}

func (s *Server) dropRuleset(z *zoneState, id string) {
	for i, rs := range z.Rulesets {
		if rs.ID == id {
			z.Rulesets = append(z.Rulesets[:i:i], z.Rulesets[i+1:]...)
			return
		}
	}
}

func (s *Server) findRuleset(c *call) (*ruleset, *apiError) {
	rs := c.zone.rulesetByID(c.params["ruleset_id"])
	if rs == nil {
		return nil, errf(http.StatusNotFound, codeNotFound, "could not find ruleset %s", c.params["ruleset_id"])
	}
	return rs, nil
}

func (s *Server) getRuleset(c *call) (any, any, *apiError) {
	rs, err := s.findRuleset(c)
	if err != nil {
		return nil, nil, err
	}
	return rulesetToJSON(rs, true), nil, nil
}

func (s *Server) putRuleset(c *call) (any, any, *apiError) {
	rs, err := s.findRuleset(c)
	if err != nil {
		return nil, nil, err
	}
	var body rulesetBody
	if err := c.decodeBody(&body); err != nil {
		return nil, nil, err
	}
	if body.Phase != nil && *body.Phase != rs.Phase {
		return nil, nil, errf(http.StatusBadRequest, codeRulesetInvalid, "The phase of a ruleset cannot change.")
	}
	if err := s.st.replaceRules(c.zone, rs, body.Name, body.Description, body.Rules, c.actor()); err != nil {
		return nil, nil, err
	}
	return rulesetToJSON(rs, true), nil, nil
}

func (s *Server) addRuleH(c *call) (any, any, *apiError) {
	rs, err := s.findRuleset(c)
	if err != nil {
		return nil, nil, err
	}
	var in ruleInput
	if err := c.decodeBody(&in); err != nil {
		return nil, nil, err
	}
	if _, err := s.st.addRule(c.zone, rs, in, c.actor()); err != nil {
		return nil, nil, err
	}
	return rulesetToJSON(rs, true), nil, nil
}

func (s *Server) patchRuleH(c *call) (any, any, *apiError) {
	rs, err := s.findRuleset(c)
	if err != nil {
		return nil, nil, err
	}
	var in ruleInput
	if err := c.decodeBody(&in); err != nil {
		return nil, nil, err
	}
	if _, err := s.st.patchRule(c.zone, rs, c.params["rule_id"], in, c.actor()); err != nil {
		return nil, nil, err
	}
	return rulesetToJSON(rs, true), nil, nil
}

func (s *Server) deleteRuleH(c *call) (any, any, *apiError) {
	rs, err := s.findRuleset(c)
	if err != nil {
		return nil, nil, err
	}
	if err := s.st.deleteRule(c.zone, rs, c.params["rule_id"], c.actor()); err != nil {
		return nil, nil, err
	}
	return rulesetToJSON(rs, true), nil, nil
}
