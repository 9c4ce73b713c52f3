package bench

import (
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
)

// DefaultThreshold is CompareOptions.Threshold's default, in percent.
const DefaultThreshold = 5.0

// minTailSamples is the fewest samples above a percentile for a single-run
// comparison to judge it.
const minTailSamples = 10

// CompareOptions tunes Compare.
type CompareOptions struct {
	// Threshold is the relative difference, in percent, below which a
	// difference is called noise when there are no repeats to measure the
	// noise from. Default DefaultThreshold.
	Threshold float64
}

// Verdict is Compare's judgement of one difference.
type Verdict int

// Verdicts. Lower latency is better.
const (
	Noise  Verdict = iota // within measurement noise (see the package doc)
	Better                // B is lower than A beyond the noise
	Worse                 // B is higher than A beyond the noise
	Unsure                // too few samples beyond this percentile to judge
)

// String returns the verdict as printed in the comparison table.
func (v Verdict) String() string {
	switch v {
	case Noise:
		return "~"
	case Better:
		return "better"
	case Worse:
		return "worse"
	case Unsure:
		return "?"
	}
	return "Verdict(" + strconv.Itoa(int(v)) + ")"
}

// CompareRow compares one percentile. Values are in ns; with repeats, A and B
// are the medians over the repeats and the ranges their min and max.
type CompareRow struct {
	Label      string
	A, B       int64
	AMin, AMax int64
	BMin, BMax int64
	Diff       int64   // B - A
	DiffPct    float64 // 100 * (B - A) / A; NaN when A is 0
	Verdict    Verdict
	Note       string // why the verdict was reached
}

// Comparison compares the runs of one name in file A with those in file B.
type Comparison struct {
	Name         string // run name ("a vs b" when the files hold different single names)
	ARuns, BRuns int    // repeats on each side
	AMachine     Machine
	BMachine     Machine
	Rows         []CompareRow
}

// group is the runs of one name, in file order.
type group struct {
	name string
	runs []*Run
}

// groupByName groups runs by Name, in order of first appearance.
func groupByName(runs []*Run) []group {
	var gs []group
	for _, r := range runs {
		i := slices.IndexFunc(gs, func(g group) bool { return g.name == r.Name })
		if i < 0 {
			gs = append(gs, group{name: r.Name})
			i = len(gs) - 1
		}
		gs[i].runs = append(gs[i].runs, r)
	}
	return gs
}

// Compare compares the runs of a with those of b, name by name (names found
// in both, in a's order). If the files share no name but each holds a single
// name, those two are compared. Noise is judged as the package doc says.
func Compare(a, b []*Run, opt CompareOptions) ([]Comparison, error) {
	if opt.Threshold == 0 {
		opt.Threshold = DefaultThreshold
	}
	if !(opt.Threshold > 0) {
		return nil, fmt.Errorf("bench: compare threshold must be positive, not %v", opt.Threshold)
	}
	ga, gb := groupByName(a), groupByName(b)
	if len(ga) == 0 || len(gb) == 0 {
		return nil, fmt.Errorf("bench: compare needs runs on both sides (A has %d, B has %d)", len(a), len(b))
	}
	var out []Comparison
	for _, x := range ga {
		for _, y := range gb {
			if x.name == y.name {
				out = append(out, compareGroups(x.name, x.runs, y.runs, opt))
			}
		}
	}
	if len(out) == 0 {
		if len(ga) != 1 || len(gb) != 1 {
			return nil, fmt.Errorf("bench: compare: no run name is in both files (A: %s; B: %s)", names(ga), names(gb))
		}
		out = append(out, compareGroups(ga[0].name+" vs "+gb[0].name, ga[0].runs, gb[0].runs, opt))
	}
	return out, nil
}

func names(gs []group) string {
	s := make([]string, len(gs))
	for i, g := range gs {
		s[i] = strconv.Quote(g.name)
	}
	return strings.Join(s, ", ")
}

// compareGroups compares repeats a with repeats b.
func compareGroups(name string, a, b []*Run, opt CompareOptions) Comparison {
	c := Comparison{Name: name, ARuns: len(a), BRuns: len(b), AMachine: a[0].Machine, BMachine: b[0].Machine}
	sa, sb := summaries(a), summaries(b)
	minCount, sig := int64(math.MaxInt64), int64(SigFigs)
	for _, r := range append(slices.Clip(a), b...) {
		minCount = min(minCount, r.Count)
		if r.Latency != nil {
			sig = min(sig, r.Latency.SignificantFigures())
		}
	}
	repeats := len(a) >= 2 && len(b) >= 2
	for k, lv := range levels() {
		row := CompareRow{Label: lv.Label}
		row.A, row.AMin, row.AMax = medianRange(sa, k)
		row.B, row.BMin, row.BMax = medianRange(sb, k)
		row.Diff = row.B - row.A
		row.DiffPct = math.NaN()
		if row.A != 0 {
			row.DiffPct = 100 * float64(row.Diff) / float64(row.A)
		}
		row.Verdict, row.Note = judge(row, repeats, tailSamples(minCount, lv.Q), sig, opt.Threshold)
		c.Rows = append(c.Rows, row)
	}
	return c
}

// judge applies the noise rule of the package doc to one row.
func judge(r CompareRow, repeats bool, tail float64, sig int64, threshold float64) (Verdict, string) {
	direction := Worse
	if r.Diff < 0 {
		direction = Better
	}
	// Values that HdrHistogram cannot tell apart (to sig digits).
	if float64(abs(r.Diff)) <= float64(max(abs(r.A), abs(r.B)))*math.Pow10(-int(sig)) {
		return Noise, fmt.Sprintf("within HdrHistogram precision (%d digits)", sig)
	}
	if repeats {
		if r.AMin <= r.BMax && r.BMin <= r.AMax {
			return Noise, "ranges of repeats overlap"
		}
		return direction, "ranges of repeats are disjoint"
	}
	if tail < minTailSamples {
		return Unsure, fmt.Sprintf("only %s sample(s) above it, no repeats", strconv.FormatFloat(tail, 'g', 3, 64))
	}
	if !math.IsNaN(r.DiffPct) && math.Abs(r.DiffPct) < threshold {
		return Noise, fmt.Sprintf("below the %g%% threshold (no repeats)", threshold)
	}
	return direction, fmt.Sprintf("beyond the %g%% threshold (no repeats to measure noise)", threshold)
}

func abs(v int64) int64 {
	if v < 0 {
		return -v
	}
	return v
}

func summaries(runs []*Run) [][6]int64 {
	s := make([][6]int64, len(runs))
	for i, r := range runs {
		s[i] = Summarize(r.Latency).values()
	}
	return s
}

// medianRange returns the median, min and max of column k. The median of an
// even number of values is the mean of the middle two.
func medianRange(s [][6]int64, k int) (med, lo, hi int64) {
	v := make([]int64, len(s))
	for i := range s {
		v[i] = s[i][k]
	}
	slices.Sort(v)
	n := len(v)
	med = v[n/2]
	if n%2 == 0 {
		med = v[n/2-1] + (v[n/2]-v[n/2-1])/2
	}
	return med, v[0], v[n-1]
}

// WriteComparison writes comparisons as aligned tables: per percentile A, B,
// the difference and the verdict with its reason, plus each side's range
// when there are repeats.
func WriteComparison(w io.Writer, cs []Comparison) error {
	for n, c := range cs {
		if n > 0 {
			if _, err := io.WriteString(w, "\n"); err != nil {
				return err
			}
		}
		head := fmt.Sprintf("%s: A %d run(s), B %d run(s)\n", c.Name, c.ARuns, c.BRuns)
		if c.AMachine != c.BMachine {
			head += fmt.Sprintf("# WARNING: different machines\n#   A: %s\n#   B: %s\n", c.AMachine, c.BMachine)
		}
		if _, err := io.WriteString(w, head); err != nil {
			return err
		}
		withRange := c.ARuns > 1 || c.BRuns > 1
		hdr := []string{"", "A", "B", "diff", "diff%", "verdict", "why"}
		if withRange {
			hdr = slices.Insert(hdr, 3, "A range", "B range")
		}
		rows := [][]string{hdr}
		for _, r := range c.Rows {
			pct := "n/a"
			if !math.IsNaN(r.DiffPct) {
				pct = strconv.FormatFloat(r.DiffPct, 'f', 1, 64) + "%"
				if r.DiffPct > 0 {
					pct = "+" + pct
				}
			}
			diff := FormatNs(r.Diff)
			if r.Diff > 0 {
				diff = "+" + diff
			}
			row := []string{r.Label, FormatNs(r.A), FormatNs(r.B), diff, pct, r.Verdict.String(), r.Note}
			if withRange {
				row = slices.Insert(row, 3, FormatNs(r.AMin)+".."+FormatNs(r.AMax), FormatNs(r.BMin)+".."+FormatNs(r.BMax))
			}
			rows = append(rows, row)
		}
		if err := writeAligned(w, rows, len(hdr)-2); err != nil {
			return err
		}
	}
	return nil
}
