package cmd

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/userctl/userctl/internal/cmdutil"
	"github.com/userctl/userctl/internal/errkind"
	"github.com/userctl/userctl/internal/output"
	"github.com/userctl/userctl/internal/termsafe"
	"github.com/userctl/userctl/internal/userapi"
)

// APIOptions are the inputs of userctl api.
type APIOptions struct {
	F       *cmdutil.Factory
	Method  string
	Path    string
	Data    string
	Headers []string
	Include bool
}

func newAPICmd(f *cmdutil.Factory, runF func(context.Context, *APIOptions) error) *cobra.Command {
	opts := &APIOptions{F: f}
	cmd := &cobra.Command{
		Use:   "api METHOD PATH",
		Short: "Send an authenticated request to the API",
		Long: `Send a raw request to the API of the current profile, with its credentials, and print
the response body on stdout (like ` + "`gh api`" + `). PATH is relative to the profile's URL.

--data takes a JSON document, @FILE to read it from a file, or @- for stdin. The exit
code follows the response status (404 is 3, 401/403 are 4, ...); the body is printed
either way. --jq filters a JSON response.`,
		Example: `  userctl api GET /users
  userctl api PUT /users/usr_000001 --data '{"name": "Ada King"}'
  userctl api POST /users --data @new-user.json
  userctl api GET /users --jq '.data[].email'`,
		Args: cmdutil.ExactArgs(2, "METHOD", "PATH"),
		ValidArgsFunction: func(_ *cobra.Command, args []string, _ string) ([]string, cobra.ShellCompDirective) {
			if len(args) == 0 {
				return []string{"GET", "POST", "PUT", "PATCH", "DELETE"}, cobra.ShellCompDirectiveNoFileComp
			}
			return nil, cobra.ShellCompDirectiveNoFileComp
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Method = strings.ToUpper(args[0])
			opts.Path = args[1]
			switch opts.Method {
			case "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD":
			default:
				return errkind.Errorf(errkind.Usage, "unknown method %q (want GET, POST, PUT, PATCH, DELETE or HEAD)", args[0])
			}
			if strings.Contains(opts.Path, "://") {
				return errkind.Errorf(errkind.Usage, "PATH %q must be relative to the profile's URL", opts.Path)
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return apiRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVarP(&opts.Data, "data", "d", "", "request body: JSON, @FILE or @- for stdin")
	cmd.Flags().StringArrayVarP(&opts.Headers, "header", "H", nil, "extra request header KEY:VALUE (repeatable)")
	cmd.Flags().BoolVarP(&opts.Include, "include", "i", false, "print the response status and headers to stderr")
	return cmd
}

func apiRun(ctx context.Context, opts *APIOptions) error {
	f := opts.F
	var body []byte
	switch {
	case opts.Data == "@-":
		b, err := io.ReadAll(f.IO.In)
		if err != nil {
			return fmt.Errorf("reading stdin: %w", err)
		}
		body = b
	case strings.HasPrefix(opts.Data, "@"):
		b, err := os.ReadFile(opts.Data[1:])
		if err != nil {
			return errkind.Errorf(errkind.Usage, "--data: %v", err)
		}
		body = b
	case opts.Data != "":
		body = []byte(opts.Data)
	}
	if body != nil && !json.Valid(body) {
		return errkind.Errorf(errkind.Usage, "--data is not valid JSON")
	}
	header, err := userapi.ParseHeader(opts.Headers)
	if err != nil {
		return errkind.Errorf(errkind.Usage, "--header %v", err)
	}
	b, err := f.Backend()
	if err != nil {
		return err
	}
	raw, err := cmdCapability[userapi.RawRequester](b, "api")
	if err != nil {
		return err
	}
	resp, reqErr := raw.Raw(ctx, opts.Method, opts.Path, body, header)
	if resp == nil {
		return reqErr
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("reading response: %w", err)
	}
	if opts.Include {
		fmt.Fprintf(f.IO.ErrOut, "HTTP %s\n", errkind.StatusLine(resp.StatusCode))
		for k, vs := range resp.Header {
			fmt.Fprintf(f.IO.ErrOut, "%s: %s\n", termsafe.String(k), termsafe.String(strings.Join(vs, ", ")))
		}
	}
	if err := writeAPIBody(f, data); err != nil {
		return err
	}
	return reqErr
}

// writeAPIBody prints the body: filtered by --jq, indented when it is JSON
// and stdout is a terminal, else as received.
func writeAPIBody(f *cmdutil.Factory, data []byte) error {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil
	}
	if f.Globals.JQ != "" {
		if !json.Valid(data) {
			return errkind.Errorf(errkind.Usage, "--jq: the response is not JSON")
		}
		w, err := output.NewWriter(f.IO.Out, output.Options{JQ: f.Globals.JQ, Terminal: f.IO.IsStdoutTTY()}, output.Schema{}, false)
		if err != nil {
			return err
		}
		if err := w.Write(json.RawMessage(data)); err != nil {
			return err
		}
		return w.Close()
	}
	out := f.IO.Out
	if f.IO.IsStdoutTTY() {
		// On a terminal the body is for reading: escaped, it cannot drive it.
		out = termsafe.NewWriter(out)
	}
	if f.IO.IsStdoutTTY() && json.Valid(data) {
		var buf bytes.Buffer
		if json.Indent(&buf, bytes.TrimSpace(data), "", "  ") == nil {
			buf.WriteByte('\n')
			_, err := out.Write(buf.Bytes())
			return err
		}
	}
	_, err := out.Write(data)
	if err == nil && data[len(data)-1] != '\n' && f.IO.IsStdoutTTY() {
		_, err = io.WriteString(out, "\n")
	}
	return err
}

func cmdCapability[T any](b userapi.Backend, verb string) (T, error) {
	c, ok := b.(T)
	if !ok {
		var zero T
		return zero, userapi.Unsupported(b, verb)
	}
	return c, nil
}
