package ui

import (
	"github.com/driftdeck/driftdeck/agent/anomaly"
	"github.com/driftdeck/driftdeck/agent/bus"
	"github.com/driftdeck/driftdeck/agent/infra"
	"github.com/driftdeck/driftdeck/agent/proposal"
	"github.com/driftdeck/driftdeck/agent/sanitize"
	"github.com/driftdeck/driftdeck/agent/watch"
)

// handleEvent applies one engine event. Unknown topics and payloads of an
// unexpected type are ignored: the view must not fail on the engine's news.
func (m *Model) handleEvent(ev bus.Event) {
	now := m.now()
	m.eventSeq++
	switch ev.Topic {
	case watch.TopicSnapshot:
		if s, ok := ev.Payload.(watch.SnapshotState); ok {
			m.drift.feeds[feedName(s.Status, "snapshot")] = s.Status
			m.refreshed(s.Status)
		}
	case watch.TopicDrift:
		if d, ok := ev.Payload.(watch.DriftState); ok {
			m.drift.setState(d, now)
			if !d.Stale && d.At.After(m.lastRefresh) {
				m.lastRefresh = d.At
			}
		}
	case watch.TopicTraffic:
		if t, ok := ev.Payload.(watch.TrafficState); ok {
			m.anom.setTraffic(t)
			m.refreshed(t.Status)
		}
	case watch.TopicFeed:
		if f, ok := ev.Payload.(watch.FeedStatus); ok {
			m.drift.feeds[feedName(f, ev.Key)] = f
			m.refreshed(f)
		}
	case watch.TopicBudget:
		if b, ok := ev.Payload.(infra.Budget); ok {
			m.status.Budget = b
		}
	case TopicProposal:
		var p *proposal.Proposal
		switch x := ev.Payload.(type) {
		case *proposal.Proposal:
			p = x
		case proposal.Proposal:
			p = &x
		}
		m.proposalChanged(p)
	case TopicAnomaly:
		if fs, ok := ev.Payload.([]anomaly.Finding); ok {
			m.anomalies(ev.Key, fs)
		}
	case TopicStatus:
		if s, ok := ev.Payload.(Status); ok {
			m.setStatus(s)
		}
	case TopicAlert:
		if a, ok := ev.Payload.(Alert); ok {
			// Webhook text is untrusted: the entry renders through safeLine.
			m.chat.tr.add(&entry{kind: entryError, raw: "Cloudflare alert " + a.Name + ": " + a.Text})
		}
	}
}

func feedName(f watch.FeedStatus, fallback string) string {
	if f.Feed != "" {
		return f.Feed
	}
	return fallback
}

func (m *Model) refreshed(f watch.FeedStatus) {
	if !f.Stale && f.LastOK.After(m.lastRefresh) {
		m.lastRefresh = f.LastOK
	}
}

// proposalChanged applies a created or changed card. A card that changed
// under an open dialog closes the dialog: the engineer must see the new
// content before deciding on it.
func (m *Model) proposalChanged(p *proposal.Proposal) {
	if p == nil {
		return
	}
	m.cardTouched[p.ID] = m.eventSeq
	if m.cards.upsert(p) {
		m.cardShown()
	}
	if d := m.dlg; d != nil && d.cardID == p.ID && (d.hash != p.Hash || p.Status != proposal.StatusPending && d.kind == dialogApprove || p.Status.Final()) {
		m.dlg = nil
		m.setFlash("card " + sanitize.Line(p.ID) + " changed while the dialog was open: review it again")
	}
}

// anomalies replaces a zone's findings; without a key they are grouped by zone.
func (m *Model) anomalies(zone string, fs []anomaly.Finding) {
	if zone != "" {
		m.anom.setFindings(zone, fs)
		return
	}
	by := map[string][]anomaly.Finding{}
	for _, f := range fs {
		by[f.Zone] = append(by[f.Zone], f)
	}
	for z, list := range by {
		m.anom.setFindings(z, list)
	}
}
