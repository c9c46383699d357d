package e2e

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// connectProxy is an HTTPS proxy on 127.0.0.1 that records the host of each
// CONNECT and refuses it: it shows where userctl would send its requests
// without any traffic leaving the machine.
type connectProxy struct {
	*httptest.Server
	mu    sync.Mutex
	hosts []string
}

func newConnectProxy(t *testing.T) *connectProxy {
	t.Helper()
	p := &connectProxy{}
	p.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		p.hosts = append(p.hosts, r.Method+" "+r.Host)
		p.mu.Unlock()
		http.Error(w, "the test proxy connects nowhere", http.StatusForbidden)
	}))
	t.Cleanup(p.Close)
	return p
}

// seen lists "METHOD host:port" of every request the proxy received.
func (p *connectProxy) seen() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.hosts...)
}

// TestDatadogSiteChoosesHost proves, through the binary, which host a
// Datadog profile sends its keys to: the profile's site, DD_SITE, the
// default site, and a url or USERCTL_URL overriding the site.
func TestDatadogSiteChoosesHost(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		add     []string // profile add flags after the name
		env     []string
		want    string // CONNECT host, "" for none
		wantOut string // in stderr
	}{
		{"profile site", []string{"--site", "datadoghq.eu"}, nil, "api.datadoghq.eu:443", ""},
		{"DD_SITE", nil, []string{"DD_SITE=us5.datadoghq.com"}, "api.us5.datadoghq.com:443", ""},
		{"DD_SITE over profile site", []string{"--site", "datadoghq.eu"}, []string{"DD_SITE=ap1.datadoghq.com"}, "api.ap1.datadoghq.com:443", ""},
		{"default site", nil, nil, "api.datadoghq.com:443", ""},
		{"USERCTL_URL over site", []string{"--site", "datadoghq.eu"}, []string{"USERCTL_URL=https://dd-proxy.example.test"}, "dd-proxy.example.test:443", ""},
		{"url over site", []string{"--site", "datadoghq.eu", "--url", "https://dd-relay.example.test/api/v1"}, nil, "dd-relay.example.test:443", ""},
		{"unknown DD_SITE", nil, []string{"DD_SITE=evil.example.com"}, "", `unknown Datadog site "evil.example.com"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := newCLI(t)
			proxy := newConnectProxy(t)
			r := c.runIn("dd-api-key\ndd-app-key\n", append([]string{"profile", "add", "dd", "--api", "datadog", "--with-secrets"}, tc.add...)...)
			want(t, r, 0)
			env := append([]string{"HTTPS_PROXY=" + proxy.URL, "NO_PROXY="}, tc.env...)
			r = c.runIO("", env, "users", "list", "--timeout", "5s")
			seen := proxy.seen()
			if tc.want == "" {
				want(t, r, 2)
				if len(seen) != 0 {
					t.Errorf("requests sent through the proxy: %v", seen)
				}
				wantIn(t, "stderr", r.stderr, tc.wantOut)
				return
			}
			if r.code == 0 {
				t.Fatalf("the test proxy refuses everything, yet:\n%s", r)
			}
			if len(seen) == 0 {
				t.Fatalf("no request reached the proxy:\n%s", r)
			}
			for _, s := range seen {
				if s != "CONNECT "+tc.want {
					t.Errorf("proxy saw %q, want only CONNECT %s\n%s", s, tc.want, r)
				}
			}
			wantNotIn(t, "stderr", r.stderr, "dd-api-key", "dd-app-key")
			if !strings.Contains(r.stderr, strings.TrimSuffix(tc.want, ":443")) {
				t.Errorf("the error does not name the host %s:\n%s", tc.want, r)
			}
		})
	}
}
