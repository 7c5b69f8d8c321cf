package cfsim

import (
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"sort"
	"strings"
)

func scriptToJSON(sc *script) map[string]any {
	return map[string]any{"id": sc.Name, "etag": sc.Etag, "handlers": []string{"fetch"}, "has_modules": strings.HasSuffix(sc.MainModule, ".mjs") || strings.HasSuffix(sc.MainModule, ".js"),
		"created_on": ts(sc.CreatedOn), "modified_on": ts(sc.ModifiedOn), "compatibility_date": "2026-01-01",
		"compatibility_flags": []string{}, "logpush": false, "usage_model": "standard"}
}

func (s *Server) listScripts(c *call) (any, any, *apiError) {
	out := []map[string]any{}
	for _, name := range sortedKeys(s.st.scripts) {
		out = append(out, scriptToJSON(s.st.scripts[name]))
	}
	return out, nil, nil
}

// getScript returns the raw script, not JSON, as the real API does.
func (s *Server) getScript(c *call) {
	sc := s.st.scripts[c.params["script_name"]]
	if sc == nil {
		writeError(c.w, errf(http.StatusNotFound, codeWorkerNotFound, "This Worker does not exist on your account."))
		return
	}
	c.w.Header().Set("Content-Type", "application/javascript")
	c.w.Header().Set("ETag", `"`+sc.Etag+`"`)
	c.w.WriteHeader(http.StatusOK)
	_, _ = io.WriteString(c.w, sc.Content)
}

// putScript takes the multipart upload the SDK sends: metadata (as one JSON
// part, or as metadata.* fields) and the module files; main_module or
// body_part names the file that is the script.
func (s *Server) putScript(c *call) (any, any, *apiError) {
	mediaType, _, err := mime.ParseMediaType(c.r.Header.Get("Content-Type"))
	if err != nil || mediaType != "multipart/form-data" {
		return nil, nil, errf(http.StatusBadRequest, codeRouteInvalid, "A Worker upload must be multipart/form-data with metadata and the script.")
	}
	mr, err := c.r.MultipartReader()
	if err != nil {
		return nil, nil, errf(http.StatusBadRequest, codeRouteInvalid, "The multipart body cannot be read.")
	}
	meta := map[string]any{}
	files := map[string]string{}
	var firstFile string
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				return nil, nil, errf(http.StatusRequestEntityTooLarge, codeBodyTooLarge, "Request body is larger than %d bytes.", maxBodyBytes)
			}
			return nil, nil, errf(http.StatusBadRequest, codeRouteInvalid, "The multipart body is malformed.")
		}
		data, err := io.ReadAll(part)
		if err != nil {
			return nil, nil, errf(http.StatusBadRequest, codeRouteInvalid, "The multipart body is malformed.")
		}
		name, filename := part.FormName(), part.FileName()
		switch {
		case name == "metadata":
			if json.Unmarshal(data, &meta) != nil {
				return nil, nil, errf(http.StatusBadRequest, codeMalformedJSON, "Malformed JSON in the metadata part.")
			}
		case strings.HasPrefix(name, "metadata."):
			meta[strings.TrimPrefix(name, "metadata.")] = string(data)
		case filename != "":
			files[filename] = string(data)
			if firstFile == "" {
				firstFile = filename
			}
		}
	}
	main, _ := meta["main_module"].(string)
	if main == "" {
		main, _ = meta["body_part"].(string)
	}
	if main == "" {
		return nil, nil, errf(http.StatusBadRequest, codeRouteInvalid, "The metadata must name main_module or body_part.")
	}
	content, ok := files[main]
	if !ok {
		return nil, nil, errf(http.StatusBadRequest, codeRouteInvalid, "No uploaded file is named %q as main_module says.", main)
	}
	sc, apiErr := s.st.uploadScript(c.params["script_name"], content, main, c.actor())
	if apiErr != nil {
		return nil, nil, apiErr
	}
	out := scriptToJSON(sc)
	out["startup_time_ms"] = 1
	return out, nil, nil
}

func (s *Server) deleteScriptH(c *call) (any, any, *apiError) {
	if err := s.st.deleteScript(c.params["script_name"], c.actor()); err != nil {
		return nil, nil, err
	}
	return nil, nil, nil
}

// routes

func routeToJSON(r *route) map[string]any {
	out := map[string]any{"id": r.ID, "pattern": r.Pattern}
	if r.Script != "" {
		out["script"] = r.Script
	}
	return out
}

type routeBody struct {
	Pattern string `json:"pattern"`
	Script  string `json:"script"`
}

func (s *Server) listRoutes(c *call) (any, any, *apiError) {
	routes := append([]*route(nil), c.zone.Routes...)
	sort.SliceStable(routes, func(i, j int) bool { return routes[i].Pattern < routes[j].Pattern })
	out := []map[string]any{}
	for _, r := range routes {
		out = append(out, routeToJSON(r))
	}
	return out, nil, nil
}

func (s *Server) getRoute(c *call) (any, any, *apiError) {
	for _, r := range c.zone.Routes {
		if r.ID == c.params["route_id"] {
			return routeToJSON(r), nil, nil
		}
	}
	return nil, nil, errf(http.StatusNotFound, codeRouteInvalid, "Route %s does not exist.", c.params["route_id"])
}

func (s *Server) createRouteH(c *call) (any, any, *apiError) {
	var body routeBody
	if err := c.decodeBody(&body); err != nil {
		return nil, nil, err
	}
	r, err := s.st.createRoute(c.zone, body.Pattern, body.Script, c.actor())
	if err != nil {
		return nil, nil, err
	}
	return routeToJSON(r), nil, nil
}

func (s *Server) putRouteH(c *call) (any, any, *apiError) {
	var body routeBody
	if err := c.decodeBody(&body); err != nil {
		return nil, nil, err
	}
	r, err := s.st.updateRoute(c.zone, c.params["route_id"], body.Pattern, body.Script, c.actor())
	if err != nil {
		return nil, nil, err
	}
	return routeToJSON(r), nil, nil
}

func (s *Server) deleteRouteH(c *call) (any, any, *apiError) {
	if err := s.st.deleteRoute(c.zone, c.params["route_id"], c.actor()); err != nil {
		return nil, nil, err
	}
	return map[string]any{"id": c.params["route_id"]}, nil, nil
}

func (s *Server) purgeH(c *call) (any, any, *apiError) {
	var body purgeRequest
	if err := c.decodeBody(&body); err != nil {
		return nil, nil, err
	}
	if err := s.st.purge(c.zone, body, c.actor()); err != nil {
		return nil, nil, err
	}
	return map[string]any{"id": c.zone.ID}, nil, nil
}
