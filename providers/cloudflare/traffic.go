package cloudflare

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/driftdeck/driftdeck/agent/infra"
)

// trafficDatasets is what both traffic queries read for each zone: HTTP
// requests per minute and status, and firewall events per minute and action.
const trafficDatasets = `
      http: httpRequestsAdaptiveGroups(limit: $limit, filter: {datetime_geq: $since, datetime_lt: $until, requestSource: "eyeball"}, orderBy: [datetimeMinute_ASC]) {
        count
        dimensions { datetimeMinute edgeResponseStatus }
        sum { edgeResponseBytes }
      }
      fw: firewallEventsAdaptiveGroups(limit: $limit, filter: {datetime_geq: $since, datetime_lt: $until}, orderBy: [datetimeMinute_ASC]) {
        count
        dimensions { datetimeMinute action }
      }
    }
  }
}`

// trafficQuery is the GraphQL Analytics query for one zone; the simulator
// speaks it (and trafficZonesQuery).
const trafficQuery = `query DriftdeckTraffic($zoneTag: string!, $since: Time!, $until: Time!, $limit: uint64!) {
  viewer {
    zones(filter: {zoneTag: $zoneTag}) {` + trafficDatasets

// trafficZonesQuery asks for several zones at once (zoneTag_in), so the
// analytics feed costs one query per poll, not one per zone.
const trafficZonesQuery = `query DriftdeckTrafficZones($zoneTags: [string!], $since: Time!, $until: Time!, $limit: uint64!) {
  viewer {
    zones(filter: {zoneTag_in: $zoneTags}) {
      zoneTag` + trafficDatasets

const (
	// trafficChunk keeps one query's rows (minutes x status codes) under
	// trafficLimit; a chunk that still fills the limit is split in half.
	trafficChunk    = 6 * time.Hour
	trafficMinChunk = 15 * time.Minute
	trafficLimit    = 10000
)

type trafficRows struct {
	ZoneTag string `json:"zoneTag"`
	HTTP    []struct {
		Count      float64 `json:"count"`
		Dimensions struct {
			DatetimeMinute     time.Time `json:"datetimeMinute"`
			EdgeResponseStatus int       `json:"edgeResponseStatus"`
		} `json:"dimensions"`
		Sum struct {
			EdgeResponseBytes float64 `json:"edgeResponseBytes"`
		} `json:"sum"`
	} `json:"http"`
	FW []struct {
		Count      float64 `json:"count"`
		Dimensions struct {
			DatetimeMinute time.Time `json:"datetimeMinute"`
			Action         string    `json:"action"`
		} `json:"dimensions"`
	} `json:"fw"`
}

type graphQLAnswer struct {
	Data *struct {
		Viewer struct {
			Zones []trafficRows `json:"zones"`
		} `json:"viewer"`
	} `json:"data"`
	Errors []struct {
		Message string `json:"message"`
	} `json:"errors"`
}

// Traffic returns the zone's per-minute traffic in [from, to): one point per
// minute, oldest first, missing minutes filled with zeros.
func (c *Client) Traffic(ctx context.Context, zone string, from, to time.Time) (infra.Series, error) {
	from, to = from.UTC().Truncate(time.Minute), to.UTC().Truncate(time.Minute)
	series := infra.Series{Zone: zone, Step: time.Minute}
	if !to.After(from) {
		return series, fmt.Errorf("traffic of %s: the range %s to %s is empty", zone, from.Format(time.RFC3339), to.Format(time.RFC3339))
	}
	zoneID, err := c.zoneID(ctx, zone)
	if err != nil {
		return series, fmt.Errorf("traffic of %s: %w", zone, err)
	}
	points := make([]infra.Point, int(to.Sub(from)/time.Minute))
	for i := range points {
		points[i].Time = from.Add(time.Duration(i) * time.Minute)
	}
	for start := from; start.Before(to); start = start.Add(trafficChunk) {
		end := start.Add(trafficChunk)
		if end.After(to) {
			end = to
		}
		if err := c.trafficChunk(ctx, zoneID, start, end, from, points); err != nil {
			return series, fmt.Errorf("traffic of %s from %s to %s: %w", zone, start.Format(time.RFC3339), end.Format(time.RFC3339), err)
		}
	}
	series.Points = points
	return series, nil
}

// trafficChunk queries [start, end) and adds its rows into points (which
// begin at origin). If a group list comes back full, rows may be missing, so
// the range is split and asked again.
func (c *Client) trafficChunk(ctx context.Context, zoneID string, start, end, origin time.Time, points []infra.Point) error {
	rows, err := c.queryTraffic(ctx, zoneID, start, end)
	if err != nil {
		return err
	}
	if (len(rows.HTTP) >= trafficLimit || len(rows.FW) >= trafficLimit) && end.Sub(start) > trafficMinChunk {
		mid := start.Add(end.Sub(start) / 2).Truncate(time.Minute)
		if err := c.trafficChunk(ctx, zoneID, start, mid, origin, points); err != nil {
			return err
		}
		return c.trafficChunk(ctx, zoneID, mid, end, origin, points)
	}
	addRows(rows, origin, points)
	return nil
}

// addRows adds one zone's GraphQL rows into points (which begin at origin).
func addRows(rows trafficRows, origin time.Time, points []infra.Point) {
	at := func(t time.Time) *infra.Point {
		i := int(t.UTC().Truncate(time.Minute).Sub(origin) / time.Minute)
		if i < 0 || i >= len(points) {
			return nil
		}
		return &points[i]
	}
	for _, r := range rows.HTTP {
		p := at(r.Dimensions.DatetimeMinute)
		if p == nil {
			continue
		}
		p.Requests += r.Count
		p.Bytes += r.Sum.EdgeResponseBytes
		switch r.Dimensions.EdgeResponseStatus / 100 {
		case 4:
			p.Status4xx += r.Count
		case 5:
			p.Status5xx += r.Count
		}
	}
	for _, r := range rows.FW {
		p := at(r.Dimensions.DatetimeMinute)
		if p == nil {
			continue
		}
		switch action := r.Dimensions.Action; {
		case action == "block":
			p.Blocks += r.Count
		case strings.Contains(action, "challenge"):
			p.Challenges += r.Count
		}
	}
}

func (c *Client) queryTraffic(ctx context.Context, zoneID string, start, end time.Time) (trafficRows, error) {
	zones, err := c.graphQL(ctx, trafficQuery, map[string]any{"zoneTag": zoneID}, start, end)
	if err != nil || len(zones) == 0 {
		return trafficRows{}, err
	}
	return zones[0], nil
}

// graphQL runs a traffic query over [start, end) and returns viewer.zones.
func (c *Client) graphQL(ctx context.Context, query string, vars map[string]any, start, end time.Time) ([]trafficRows, error) {
	variables := map[string]any{"since": start.Format(time.RFC3339), "until": end.Format(time.RFC3339), "limit": trafficLimit}
	for k, v := range vars {
		variables[k] = v
	}
	body := map[string]any{"query": query, "variables": variables}
	var answer graphQLAnswer
	err := c.read(ctx, "query traffic", func(ctx context.Context) error {
		data, err := c.rawCall(ctx, http.MethodPost, "/graphql", nil, body)
		if err != nil {
			return err
		}
		answer = graphQLAnswer{}
		if err := json.Unmarshal(data, &answer); err != nil {
			return &decodeError{err: err}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	// GraphQL reports failures inside a 200.
	if len(answer.Errors) > 0 {
		msgs := make([]string, 0, len(answer.Errors))
		for _, e := range answer.Errors {
			msgs = append(msgs, e.Message)
		}
		return nil, fmt.Errorf("the GraphQL API answered with an error: %s", strings.Join(msgs, "; "))
	}
	if answer.Data == nil {
		return nil, fmt.Errorf("the GraphQL API answered without data")
	}
	return answer.Data.Viewer.Zones, nil
}

// TrafficZones returns several zones' per-minute traffic in [from, to) with
// one GraphQL query per time chunk for all of them. A zone whose rows fill
// a query's limit is re-read on its own, in smaller chunks.
func (c *Client) TrafficZones(ctx context.Context, zones []string, from, to time.Time) (map[string]infra.Series, error) {
	from, to = from.UTC().Truncate(time.Minute), to.UTC().Truncate(time.Minute)
	if !to.After(from) {
		return nil, fmt.Errorf("traffic: the range %s to %s is empty", from.Format(time.RFC3339), to.Format(time.RFC3339))
	}
	ids := make([]string, len(zones))
	byID := map[string]string{}
	out := map[string]infra.Series{}
	for i, z := range zones {
		id, err := c.zoneID(ctx, z)
		if err != nil {
			return nil, fmt.Errorf("traffic of %s: %w", z, err)
		}
		ids[i], byID[id] = id, z
		points := make([]infra.Point, int(to.Sub(from)/time.Minute))
		for j := range points {
			points[j].Time = from.Add(time.Duration(j) * time.Minute)
		}
		out[z] = infra.Series{Zone: z, Step: time.Minute, Points: points}
	}
	for start := from; start.Before(to); start = start.Add(trafficChunk) {
		end := start.Add(trafficChunk)
		if end.After(to) {
			end = to
		}
		rows, err := c.graphQL(ctx, trafficZonesQuery, map[string]any{"zoneTags": ids}, start, end)
		if err != nil {
			return nil, fmt.Errorf("traffic of %s from %s to %s: %w", strings.Join(zones, ", "), start.Format(time.RFC3339), end.Format(time.RFC3339), err)
		}
		for _, r := range rows {
			zone, ok := byID[r.ZoneTag]
			if !ok {
				continue
			}
			if len(r.HTTP) >= trafficLimit || len(r.FW) >= trafficLimit {
				if err := c.trafficChunk(ctx, r.ZoneTag, start, end, from, out[zone].Points); err != nil {
					return nil, fmt.Errorf("traffic of %s: %w", zone, err)
				}
				continue
			}
			addRows(r, from, out[zone].Points)
		}
	}
	return out, nil
}
