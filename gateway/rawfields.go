package gateway

import "bytes"

// fieldScanner walks the fields of a raw FIX message as it came off the wire
// (msg.Bytes()), in order, repeats included: the gateway's view of a message's
// structure, the same whatever QuickFIX's data dictionary settings (see
// mdrequest.go). XmlData(213) may hold SOH: its length is XmlDataLen(212).
type fieldScanner struct {
	raw    []byte
	xmlLen int // the last XmlDataLen(212), -1 before one
}

func newFieldScanner(raw []byte) fieldScanner { return fieldScanner{raw: raw, xmlLen: -1} }

// more reports whether fields are left.
func (s *fieldScanner) more() bool { return len(s.raw) > 0 }

// next splits off the next field. ok is false for a malformed field (no tag of
// at most 9 digits before '='); the scan cannot go on after that.
func (s *fieldScanner) next() (tag int, v []byte, ok bool) {
	raw := s.raw
	eq := -1
	for i, c := range raw {
		if c == '=' {
			eq = i
			break
		}
		if c < '0' || c > '9' {
			break
		}
	}
	if eq <= 0 {
		return 0, nil, false
	}
	if tag, ok = parseCount(raw[:eq]); !ok {
		return 0, nil, false
	}
	raw = raw[eq+1:]
	if tag == 213 && s.xmlLen >= 0 && s.xmlLen <= len(raw) {
		v, raw = raw[:s.xmlLen], raw[s.xmlLen:]
		if len(raw) > 0 {
			raw = raw[1:]
		}
	} else {
		end := bytes.IndexByte(raw, '\x01')
		if end < 0 {
			v, raw = raw, nil
		} else {
			v, raw = raw[:end], raw[end+1:]
		}
	}
	if tag == 212 {
		if n, ok := parseCount(v); ok {
			s.xmlLen = n
		}
	}
	s.raw = raw
	return tag, v, true
}
