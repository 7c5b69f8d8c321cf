package cloudflare

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/textproto"
	"time"

	"github.com/cloudflare/cloudflare-go/v7/option"
	"github.com/cloudflare/cloudflare-go/v7/workers"

	"github.com/driftdeck/driftdeck/agent/infra"
)

const (
	workerMainModule        = "worker.js"
	workerCompatibilityDate = "2025-01-01"
)

// workerUpload builds the multipart body of an ES-module Worker upload: a
// "metadata" JSON part naming the main module, and the module itself.
func workerUpload(source string) ([]byte, string, error) {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	meta, err := json.Marshal(map[string]any{"main_module": workerMainModule, "compatibility_date": workerCompatibilityDate})
	if err != nil {
		return nil, "", err
	}
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", `form-data; name="metadata"`)
	h.Set("Content-Type", "application/json")
	part, err := w.CreatePart(h)
	if err != nil {
		return nil, "", err
	}
	if _, err := part.Write(meta); err != nil {
		return nil, "", err
	}
	h = textproto.MIMEHeader{}
	h.Set("Content-Disposition", fmt.Sprintf(`form-data; name=%q; filename=%q`, workerMainModule, workerMainModule))
	h.Set("Content-Type", "application/javascript+module")
	if part, err = w.CreatePart(h); err != nil {
		return nil, "", err
	}
	if _, err := part.Write([]byte(source)); err != nil {
		return nil, "", err
	}
	if err := w.Close(); err != nil {
		return nil, "", err
	}
	return buf.Bytes(), w.FormDataContentType(), nil
}

// deployWorker uploads the script (a PUT: repeating it is harmless), then
// routes the pattern to it when one is given.
func (c *Client) deployWorker(ctx context.Context, ch infra.Change) (infra.ApplyResult, error) {
	want, err := decodeAfter[infra.WorkerDeployment](ch)
	if err != nil {
		return infra.ApplyResult{}, err
	}
	if want.ScriptName == "" {
		want.ScriptName = ch.Target
	}
	if want.ScriptName == "" || want.Source == "" {
		return infra.ApplyResult{}, fmt.Errorf("the deployment needs a script name and a source")
	}
	var z apiZone
	if want.RoutePattern != "" {
		id, err := c.zoneID(ctx, ch.Zone)
		if err != nil {
			return infra.ApplyResult{}, fmt.Errorf("route %s: %w", want.RoutePattern, err)
		}
		z = apiZone{ID: id, Name: ch.Zone}
	}
	account, err := c.accountIDFor(ctx)
	if err != nil {
		return infra.ApplyResult{}, err
	}
	payload, contentType, err := workerUpload(want.Source)
	if err != nil {
		return infra.ApplyResult{}, fmt.Errorf("build the upload: %w", err)
	}
	var params workers.ScriptUpdateParams
	params.AccountID.Value = account
	deployed := infra.WorkerDeployment{ScriptName: want.ScriptName}
	_, err = c.write(ctx, "upload Worker "+want.ScriptName, func(ctx context.Context) (infra.ApplyResult, error) {
		var env struct {
			Result struct {
				Etag       string    `json:"etag"`
				ModifiedOn time.Time `json:"modified_on"`
			} `json:"result"`
		}
		_, err := c.scripts.Update(ctx, want.ScriptName, params,
			option.WithRequestBody(contentType, payload), option.WithResponseBodyInto(&env))
		deployed.Etag = env.Result.Etag
		return infra.ApplyResult{}, err
	}, nil)
	if err != nil {
		return infra.ApplyResult{}, err
	}
	if want.RoutePattern != "" {
		if err := c.ensureRoute(ctx, z, want.RoutePattern, want.ScriptName); err != nil {
			return infra.ApplyResult{}, fmt.Errorf("the script was uploaded but routing %s failed: %w", want.RoutePattern, err)
		}
		deployed.RoutePattern = want.RoutePattern
	}
	return result(want.ScriptName, deployed), nil
}

// ensureRoute makes pattern point at script: nothing if it already does, an
// update if it points elsewhere, else a new route (checked before a retry).
func (c *Client) ensureRoute(ctx context.Context, z apiZone, pattern, script string) error {
	current, err := c.listRoutes(ctx, z)
	if err != nil {
		return err
	}
	body, err := jsonBody(infra.WorkerRoute{Pattern: pattern, Script: script})
	if err != nil {
		return err
	}
	for _, r := range current {
		if r.Pattern != pattern {
			continue
		}
		if r.Script == script {
			return nil
		}
		var params workers.RouteUpdateParams
		params.ZoneID.Value = z.ID
		_, err := c.write(ctx, "point route "+pattern+" at "+script, func(ctx context.Context) (infra.ApplyResult, error) {
			var env struct{}
			_, err := c.routes.Update(ctx, r.ID, params, body, option.WithResponseBodyInto(&env))
			return infra.ApplyResult{}, err
		}, nil)
		return err
	}
	var params workers.RouteNewParams
	params.ZoneID.Value = z.ID
	landed := func(ctx context.Context) (infra.ApplyResult, bool, error) {
		now, err := c.listRoutes(ctx, z)
		if err != nil {
			return infra.ApplyResult{}, false, err
		}
		for _, r := range now {
			if r.Pattern == pattern && r.Script == script {
				return infra.ApplyResult{Target: r.ID}, true, nil
			}
		}
		return infra.ApplyResult{}, false, nil
	}
	_, err = c.write(ctx, "add route "+pattern, func(ctx context.Context) (infra.ApplyResult, error) {
		var env struct{}
		_, err := c.routes.New(ctx, params, body, option.WithResponseBodyInto(&env))
		return infra.ApplyResult{}, err
	}, landed)
	return err
}
