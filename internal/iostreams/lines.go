package iostreams

import (
	"fmt"
	"io"
	"strings"

	"github.com/userctl/userctl/internal/errkind"
)

// maxStdinBytes bounds what ReadLines reads of stdin (64 KiB).
const maxStdinBytes = 1 << 16

// ReadSecretLine reads one line from stdin (for --password-stdin).
func (s *IOStreams) ReadSecretLine() (string, error) {
	lines, err := s.ReadLines(1)
	if err != nil {
		return "", err
	}
	return lines[0], nil
}

// ReadLines reads the first n lines of stdin (at most 64 KiB is read),
// trimming the line ends ("\n" or "\r\n"); the last of them must not be
// empty. Fewer lines is a usage error.
func (s *IOStreams) ReadLines(n int) ([]string, error) {
	data, err := io.ReadAll(io.LimitReader(s.In, maxStdinBytes))
	if err != nil {
		return nil, fmt.Errorf("reading stdin: %w", err)
	}
	raw := strings.Split(strings.ReplaceAll(string(data), "\r\n", "\n"), "\n")
	var out []string
	for _, l := range raw {
		if len(out) == n {
			break
		}
		out = append(out, strings.TrimRight(l, "\r"))
	}
	if len(out) < n || out[n-1] == "" {
		return nil, errkind.Errorf(errkind.Usage, "expected %d line(s) on stdin, got %d", n, countNonEmpty(out))
	}
	return out, nil
}

func countNonEmpty(ls []string) int {
	n := 0
	for _, l := range ls {
		if l != "" {
			n++
		}
	}
	return n
}
