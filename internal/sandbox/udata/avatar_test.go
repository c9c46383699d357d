package udata

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"strings"
	"testing"

	"github.com/userctl/userctl/internal/sandbox"
)

func udMultipart(t *testing.T, ct, bbox string) (string, []byte) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", `form-data; name="file"; filename="a.png"`)
	h.Set("Content-Type", ct)
	p, _ := mw.CreatePart(h)
	_, _ = p.Write([]byte("\x89PNG\r\n\x1a\n"))
	if bbox != "" {
		_ = mw.WriteField("bbox", bbox)
	}
	_ = mw.Close()
	return mw.FormDataContentType(), buf.Bytes()
}

func TestUdataAvatar(t *testing.T) {
	srv, _ := newUdataServer(t, sandbox.Options{})
	udCreate(t, srv, "Ada", "Lovelace", "ada@example.org")
	for _, tc := range []struct {
		ct, bbox string
		status   int
		want     string
	}{
		{"image/png", "0,0,10,10", 200, `"success":true`},
		{"application/octet-stream", "", 400, "Unsupported image format"},
		{"image/png", "1,2", 400, "bbox"},
	} {
		ct, body := udMultipart(t, tc.ct, tc.bbox)
		req, _ := http.NewRequest("POST", srv.URL+"/api/1/users/ada-lovelace/avatar/", bytes.NewReader(body))
		req.Header.Set("Content-Type", ct)
		req.Header.Set("X-API-KEY", "admin")
		if r := udSend(t, req); r.status != tc.status || !strings.Contains(r.body, tc.want) {
			t.Errorf("%s %s: %d %s", tc.ct, tc.bbox, r.status, r.body)
		}
	}
	if u := udDo(t, srv, "GET", "/api/1/users/ada-lovelace/", "", "").json(t); u["avatar"] == nil {
		t.Errorf("avatar not stored: %v", u)
	}
}
