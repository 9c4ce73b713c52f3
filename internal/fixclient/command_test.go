package fixclient

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/openmatch/matchd/engine"
)

func TestParseGood(t *testing.T) {
	for _, tc := range []struct {
		line string
		want Command
	}{
		{"buy 100 AAPL @150.00", Command{Op: OpOrder, Side: engine.Buy, Qty: 100, Symbol: "AAPL", Price: "150.00", TIF: engine.Day}},
		{"SELL 5 MSFT", Command{Op: OpOrder, Side: engine.Sell, Qty: 5, Symbol: "MSFT", TIF: engine.Day}},
		{"sell 5 MSFT market ioc", Command{Op: OpOrder, Side: engine.Sell, Qty: 5, Symbol: "MSFT", TIF: engine.IOC}},
		{"buy 1 TEST gtc @0.01 id=a1", Command{Op: OpOrder, Side: engine.Buy, Qty: 1, Symbol: "TEST", Price: "0.01", TIF: engine.GTC, ID: "a1"}},
		{"buy 7 TEST @.5 FOK", Command{Op: OpOrder, Side: engine.Buy, Qty: 7, Symbol: "TEST", Price: ".5", TIF: engine.FOK}},
		{"  buy 1 AAPL @1 day   # a comment", Command{Op: OpOrder, Side: engine.Buy, Qty: 1, Symbol: "AAPL", Price: "1", TIF: engine.Day}},
		{"cancel a1", Command{Op: OpCancel, ID: "a1", TIF: engine.Day}},
		{"cancel a1 sell AAPL", Command{Op: OpCancel, ID: "a1", Side: engine.Sell, Symbol: "AAPL", TIF: engine.Day}},
		{"replace a1 50 @149.50", Command{Op: OpReplace, ID: "a1", Qty: 50, Price: "149.50", TIF: engine.Day}},
		{"status a1", Command{Op: OpStatus, ID: "a1", TIF: engine.Day}},
		{"status a1 buy TEST", Command{Op: OpStatus, ID: "a1", Side: engine.Buy, Symbol: "TEST", TIF: engine.Day}},
		{"mass-cancel", Command{Op: OpMassCancel, TIF: engine.Day}},
		{"mass-cancel AAPL", Command{Op: OpMassCancel, Symbol: "AAPL", TIF: engine.Day}},
		{"mass-cancel AAPL sell", Command{Op: OpMassCancel, Symbol: "AAPL", Side: engine.Sell, TIF: engine.Day}},
		{"mass-cancel buy", Command{Op: OpMassCancel, Side: engine.Buy, TIF: engine.Day}},
		{"book AAPL", Command{Op: OpBook, Symbol: "AAPL", TIF: engine.Day}},
		{"book AAPL 5", Command{Op: OpBook, Symbol: "AAPL", Depth: 5, TIF: engine.Day}},
		{"wait 250ms", Command{Op: OpWait, Wait: 250 * time.Millisecond, TIF: engine.Day}},
		{"expect filled", Command{Op: OpExpect, Event: "filled", TIF: engine.Day}},
		{"expect new a1", Command{Op: OpExpect, Event: "new", ID: "a1", TIF: engine.Day}},
		{"expect trade a1 5s", Command{Op: OpExpect, Event: "trade", ID: "a1", Wait: 5 * time.Second, TIF: engine.Day}},
		{"expect canceled 2s", Command{Op: OpExpect, Event: "canceled", Wait: 2 * time.Second, TIF: engine.Day}},
		{"expect new 5s 1s", Command{Op: OpExpect, Event: "new", ID: "5s", Wait: time.Second, TIF: engine.Day}},
		{"expect md-trade AAPL", Command{Op: OpExpect, Event: "md-trade", Symbol: "AAPL", TIF: engine.Day}},
		{"expect reject 3s", Command{Op: OpExpect, Event: "reject", Wait: 3 * time.Second, TIF: engine.Day}},
		{"quit", Command{Op: OpQuit, TIF: engine.Day}},
		{"help", Command{Op: OpHelp, TIF: engine.Day}},
		{"", Command{Op: OpNone, TIF: engine.Day}},
		{"# only a comment", Command{Op: OpNone, TIF: engine.Day}},
	} {
		got, err := Parse(tc.line)
		if err != nil {
			t.Errorf("Parse(%q): %v", tc.line, err)
			continue
		}
		tc.want.Line = got.Line
		if got != tc.want {
			t.Errorf("Parse(%q) = %+v, want %+v", tc.line, got, tc.want)
		}
	}
}

func TestParseBad(t *testing.T) {
	for _, tc := range []struct{ line, want string }{
		{"bye", `unknown command "bye"`},
		{"buy", "buy: want buy QTY SYMBOL"},
		{"buy 100", "buy: want buy QTY SYMBOL"},
		{"buy 0 AAPL", `quantity "0" must be a positive whole number`},
		{"buy -5 AAPL", `quantity "-5"`},
		{"buy +5 AAPL", `quantity "+5"`},
		{"buy 1.5 AAPL", `quantity "1.5"`},
		{"sell x AAPL", `sell: quantity "x"`},
		{"buy 1 AAPL 150.00", `unexpected "150.00": a price is written @150.00`},
		{"buy 1 AAPL @", `price "" must be a positive decimal`},
		{"buy 1 AAPL @0", `price "0"`},
		{"buy 1 AAPL @0.00", `price "0.00"`},
		{"buy 1 AAPL @-1", `price "-1"`},
		{"buy 1 AAPL @1.2.3", `price "1.2.3"`},
		{"buy 1 AAPL @1e3", `price "1e3"`},
		{"buy 1 AAPL @1 @2", `two prices`},
		{"buy 1 AAPL @1 market", `two prices`},
		{"buy 1 AAPL day gtc", `two times in force`},
		{"buy 1 AAPL id=a id=b", `two ids`},
		{"buy 1 AAPL id=", `ClOrdID "" must be 1 to 39`},
		{"buy 1 AAPL id=" + strings.Repeat("x", 40), `must be 1 to 39`},
		{"buy 1 @AAPL", `bad symbol "@AAPL"`},
		{"buy 1 A=B", `bad symbol "A=B"`},
		{"cancel", "cancel: want cancel CLORDID"},
		{"cancel a1 buy", "cancel: want cancel CLORDID [buy|sell SYMBOL]"},
		{"cancel a1 up AAPL", `side "up" must be buy or sell`},
		{"status", "status: want status CLORDID"},
		{"replace a1 10", "replace: want replace CLORDID QTY @PRICE"},
		{"replace a1 10 150", "replace: want replace CLORDID QTY @PRICE"},
		{"replace a1 0 @1", `replace: quantity "0"`},
		{"replace a1 1 @x", `replace: price "x"`},
		{"mass-cancel AAPL MSFT", `unexpected "MSFT"`},
		{"mass-cancel buy sell", `two sides`},
		{"mass-cancel buy AAPL", `unexpected "AAPL"`},
		{"mass-cancel a b c", "want mass-cancel [SYMBOL] [buy|sell]"},
		{"book", "book: want book SYMBOL [DEPTH]"},
		{"book AAPL -1", `depth "-1"`},
		{"book AAPL x", `depth "x"`},
		{"book AAPL 1 2", "book: want book SYMBOL [DEPTH]"},
		{"wait", "wait: want wait DURATION"},
		{"wait 5", `"5" is not a duration`},
		{"wait -1s", `"-1s" is not a duration`},
		{"expect", "expect: want expect EVENT"},
		{"expect fill", `unknown event "fill"`},
		{"expect new a b", `unexpected "b"`},
		{"expect reject a1", `expect reject: unexpected "a1"`},
		{"expect new 0s", "timeout must be positive"},
		{"quit now", "quit takes no arguments"},
	} {
		_, err := Parse(tc.line)
		if err == nil {
			t.Errorf("Parse(%q): no error, want %q", tc.line, tc.want)
			continue
		}
		if !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Parse(%q) = %q, want it to contain %q", tc.line, err, tc.want)
		}
	}
}

// TestParseScriptLineNumbers: every bad line is reported with its number,
// and good lines keep theirs (blank lines and comments count).
func TestParseScriptLineNumbers(t *testing.T) {
	script := "# day one\nbuy 100 AAPL @150.00\n\nsell 0 AAPL\nwait 1s\nexpect nothing\nquit\n"
	lines, err := ParseScript("day.txt", strings.NewReader(script))
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{`fixclient: day.txt:4: sell: quantity "0"`, `fixclient: day.txt:6: expect: unknown event "nothing"`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not contain %q", err, want)
		}
	}
	var pe *ParseError
	if !errors.As(err, &pe) || pe.Line != 4 {
		t.Errorf("first ParseError %+v, want line 4", pe)
	}
	var got []int
	for _, l := range lines {
		got = append(got, l.N)
	}
	if want := []int{2, 5, 7}; !equalInts(got, want) {
		t.Errorf("good lines %v, want %v", got, want)
	}

	lines, err = ParseScript("ok.txt", strings.NewReader("buy 1 AAPL @1\r\nsell 1 AAPL @1\n"))
	if err != nil || len(lines) != 2 || lines[1].N != 2 || lines[1].Cmd.Side != engine.Sell {
		t.Fatalf("ParseScript: %v %+v", err, lines)
	}
}

func TestParseArgs(t *testing.T) {
	lines, err := ParseArgs([]string{"sell", "100", "AAPL", "@150.00;", "expect", "filled", ";", "quit"})
	if err != nil {
		t.Fatal(err)
	}
	if len(lines) != 3 || lines[0].Cmd.Op != OpOrder || lines[1].Cmd.Op != OpExpect || lines[2].Cmd.Op != OpQuit || lines[2].N != 3 {
		t.Fatalf("ParseArgs: %+v", lines)
	}
	if _, err := ParseArgs([]string{"buy 1 AAPL; sell x AAPL"}); err == nil || !strings.Contains(err.Error(), "command line:2: sell: quantity") {
		t.Fatalf("ParseArgs error %v, want command line:2", err)
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
