package bench

import (
	"bytes"
	"encoding/xml"
	"io"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/net/html"
)

// svgDoc is what the tests read back from a plot.
type svgDoc struct {
	polylines []svgLine // class="series", in order
	legend    []string  // text of each legend entry
	texts     []string  // every text element
}

type svgLine struct {
	stroke string
	points [][2]float64
}

// parseSVG decodes an SVG strictly; any well-formedness error fails the test.
func parseSVG(t *testing.T, r io.Reader) svgDoc {
	t.Helper()
	dec := xml.NewDecoder(r)
	var doc svgDoc
	var stack []xml.StartElement
	inLegend := false
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("SVG is not well-formed: %v", err)
		}
		switch e := tok.(type) {
		case xml.StartElement:
			if len(stack) == 0 && (e.Name.Local != "svg" || e.Name.Space != "http://www.w3.org/2000/svg") {
				t.Fatalf("root element %v, want svg in the SVG namespace", e.Name)
			}
			stack = append(stack, e)
			if e.Name.Local == "g" && attr(e, "class") == "legend-entry" {
				inLegend = true
			}
			if e.Name.Local == "polyline" && attr(e, "class") == "series" {
				doc.polylines = append(doc.polylines, svgLine{stroke: attr(e, "stroke"), points: parsePoints(t, attr(e, "points"))})
			}
		case xml.EndElement:
			if top := stack[len(stack)-1]; top.Name.Local == "g" && attr(top, "class") == "legend-entry" {
				inLegend = false
			}
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 && stack[len(stack)-1].Name.Local == "text" {
				doc.texts = append(doc.texts, string(e))
				if inLegend {
					doc.legend = append(doc.legend, string(e))
				}
			}
		}
	}
	return doc
}

func attr(e xml.StartElement, name string) string {
	for _, a := range e.Attr {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

func parsePoints(t *testing.T, s string) [][2]float64 {
	t.Helper()
	var pts [][2]float64
	for _, p := range strings.Fields(s) {
		x, y, ok := strings.Cut(p, ",")
		fx, err1 := strconv.ParseFloat(x, 64)
		fy, err2 := strconv.ParseFloat(y, 64)
		if !ok || err1 != nil || err2 != nil {
			t.Fatalf("bad point %q", p)
		}
		pts = append(pts, [2]float64{fx, fy})
	}
	return pts
}

// plotRuns are three runs: two names, one repeated, one with markup in it.
func plotRuns(t *testing.T) []*Run {
	rng := seeded(t, 7)
	mk := func(name string, scale float64) *Run {
		h := NewHistogram()
		for range 10_000 {
			Record(h, int64(1000+rng.ExpFloat64()*scale))
		}
		return fixedRun(name, h)
	}
	return []*Run{mk("chan", 5000), mk(`ring <fast> & "lean"`, 500), mk("chan", 6000)}
}

func TestSVGPlot(t *testing.T) {
	for _, logY := range []bool{false, true} {
		runs := plotRuns(t)
		var buf bytes.Buffer
		if err := WriteSVG(&buf, runs, PlotOptions{Title: "chan vs ring", LogY: logY}); err != nil {
			t.Fatal(err)
		}
		doc := parseSVG(t, &buf)
		if len(doc.polylines) != len(runs) {
			t.Fatalf("logY=%v: %d lines, want one per run (%d)", logY, len(doc.polylines), len(runs))
		}
		wantLegend := []string{"chan  (", `ring <fast> & "lean"  (`, "chan #2  ("}
		if len(doc.legend) != len(wantLegend) {
			t.Fatalf("legend %q, want %d entries", doc.legend, len(wantLegend))
		}
		for i, w := range wantLegend {
			if !strings.HasPrefix(doc.legend[i], w) || !strings.Contains(doc.legend[i], "p99 ") {
				t.Errorf("legend entry %d = %q, want it to name %q and give p99", i, doc.legend[i], w)
			}
		}
		colors := map[string]bool{}
		for i, l := range doc.polylines {
			colors[l.stroke] = true
			for k := 1; k < len(l.points); k++ {
				// x grows along the line; latency never falls as the
				// percentile rises, so y (downwards) never grows.
				if l.points[k][0] <= l.points[k-1][0] || l.points[k][1] > l.points[k-1][1] {
					t.Fatalf("line %d: point %d %v after %v is not rightwards and up", i, k, l.points[k], l.points[k-1])
				}
			}
		}
		if len(colors) != len(runs) {
			t.Errorf("%d distinct colors for %d runs", len(colors), len(runs))
		}
		all := strings.Join(doc.texts, "|")
		for _, w := range []string{"|0%|", "|90%|", "|99%|", "|99.9%|", "|99.99%|", "chan vs ring"} {
			if !strings.Contains(all, w) {
				t.Errorf("logY=%v: no text %q in %q", logY, w, all)
			}
		}
		if strings.Contains(all, "99.999%") {
			t.Errorf("10000 samples plotted out to 99.999%%: %q", all)
		}
		wantY := "latency (µs)"
		if logY {
			wantY = "latency (log scale)"
		}
		if !strings.Contains(all, wantY) {
			t.Errorf("no y axis title %q in %q", wantY, all)
		}
	}
}

func TestHTMLPlot(t *testing.T) {
	runs := plotRuns(t)
	var buf bytes.Buffer
	if err := WriteHTML(&buf, runs, PlotOptions{}); err != nil {
		t.Fatal(err)
	}
	root, err := html.Parse(&buf)
	if err != nil {
		t.Fatal(err)
	}
	var svgs, lines int
	var pre, title string
	var walk func(n *html.Node, inSVG bool)
	walk = func(n *html.Node, inSVG bool) {
		if n.Type == html.ElementNode {
			switch n.Data {
			case "svg":
				svgs++
				inSVG = true
			case "polyline":
				if inSVG {
					lines++
				}
			case "pre":
				pre = n.FirstChild.Data
			case "title":
				if !inSVG {
					title = n.FirstChild.Data
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c, inSVG)
		}
	}
	walk(root, false)
	if svgs != 1 || lines != len(runs) {
		t.Errorf("page holds %d svg and %d lines, want 1 and %d", svgs, lines, len(runs))
	}
	if title != "Latency by percentile" {
		t.Errorf("page title %q", title)
	}
	if !strings.Contains(pre, `ring <fast> & "lean"`) || !strings.Contains(pre, "p99.99") {
		t.Errorf("page table %q lacks the runs", pre)
	}
}

func TestPlotErrors(t *testing.T) {
	dir := t.TempDir()
	runs := plotRuns(t)
	if err := WritePlotFile(filepath.Join(dir, "x.png"), runs, PlotOptions{}); err == nil || !strings.Contains(err.Error(), ".svg or .html") {
		t.Errorf("png: %v", err)
	}
	if err := WriteSVG(io.Discard, nil, PlotOptions{}); err == nil {
		t.Error("no runs: no error")
	}
	if err := WriteSVG(io.Discard, []*Run{fixedRun("empty", NewHistogram())}, PlotOptions{}); err == nil || !strings.Contains(err.Error(), `("empty") has no latencies`) {
		t.Errorf("empty run: %v", err)
	}
	if err := WriteSVG(io.Discard, runs, PlotOptions{Width: 50}); err == nil {
		t.Error("50 px wide: no error")
	}
	for _, name := range []string{"a.svg", "a.html"} {
		if err := WritePlotFile(filepath.Join(dir, name), runs, PlotOptions{}); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestAxes(t *testing.T) {
	a := newYAxis(0, 1234, false)
	if a.title != "latency (µs)" || a.ticks[len(a.ticks)-1] < 1234 || a.label(500) != "0.5" {
		t.Errorf("linear axis %+v: label(500) = %q", a, a.label(500))
	}
	a = newYAxis(80, 45_000, true)
	var labels []string
	for _, tk := range a.ticks {
		labels = append(labels, a.label(tk))
	}
	if got := strings.Join(labels, " "); got != "10ns 100ns 1µs 10µs 100µs" {
		t.Errorf("log ticks %q", got)
	}
	for d, want := range []string{"0%", "90%", "99%", "99.9%", "99.99%", "99.999%", "99.9999%"} {
		if got := percentLabel(d); got != want {
			t.Errorf("percentLabel(%d) = %q, want %q", d, got, want)
		}
	}
}
