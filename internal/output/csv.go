package output

import (
	"bytes"
	"encoding/csv"
)

// csvWriter writes a header row of field names (unless disabled) and one
// record per item.
type csvWriter struct {
	s      *stream
	fields []field
	header bool
	buf    bytes.Buffer
	cw     *csv.Writer
	rec    []string
}

func newCSVWriter(s *stream, fields []field, noHeader bool) *csvWriter {
	c := &csvWriter{s: s, fields: fields, header: !noHeader, rec: make([]string, len(fields))}
	c.cw = csv.NewWriter(&c.buf)
	return c
}

func (c *csvWriter) writeHeader() error {
	c.header = false
	for i, f := range c.fields {
		c.rec[i] = f.name
	}
	return c.flushRecord()
}

func (c *csvWriter) flushRecord() error {
	c.buf.Reset()
	if err := c.cw.Write(c.rec); err != nil {
		return err
	}
	c.cw.Flush()
	if err := c.cw.Error(); err != nil {
		return err
	}
	return c.s.write(c.buf.Bytes())
}

func (c *csvWriter) Write(item any) error {
	if c.header {
		if err := c.writeHeader(); err != nil {
			return err
		}
	}
	for i, f := range c.fields {
		c.rec[i] = csvCell(f.value(item))
	}
	return c.flushRecord()
}

func (c *csvWriter) Close() error {
	if c.header {
		if err := c.writeHeader(); err != nil {
			return err
		}
	}
	return c.s.close()
}
