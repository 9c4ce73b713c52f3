package engine

// goldenV3Config and goldenV3Commands built testdata/snapshot-v3.bin with the
// engine as it was at snapshot version 3 (before history entries kept the
// order's details).
func goldenV3Config() Config {
	return Config{
		Symbols: []SymbolConfig{
			{Name: "AAPL", TickDecimals: 2, TickSize: 1, MinPrice: 1, MaxPrice: 1000},
			{Name: "MSFT", TickDecimals: 2, TickSize: 1, MinPrice: 1, MaxPrice: 1000},
		},
		MaxOrders: 100, MaxLevels: 100, History: 100, MaxQty: 1000,
	}
}

func goldenV3Commands() []Command {
	id := func(s string) ID { v, _ := MakeID(s); return v }
	lim := func(owner uint32, cl string, sym uint32, side Side, tif TIF, px, qty int64) Command {
		return Command{Kind: KindNew, Owner: owner, ClOrdID: id(cl), Symbol: sym, Side: side, Type: Limit, TIF: tif, Price: px, Qty: qty}
	}
	rep := func(owner uint32, cl, orig string, sym uint32, side Side, tif TIF, px, qty int64) Command {
		c := lim(owner, cl, sym, side, tif, px, qty)
		c.Kind, c.OrigClOrdID = KindReplace, id(orig)
		return c
	}
	return []Command{
		lim(1, "f1", 0, Buy, Day, 100, 5),  // 1: filled below
		lim(2, "s1", 0, Sell, Day, 100, 5), // 2: fills f1, s1 filled
		lim(1, "k1", 0, Buy, GTC, 90, 4),   // 3
		{Kind: KindCancel, Owner: 1, ClOrdID: id("kc1"), OrigClOrdID: id("k1"), Symbol: 0, Side: Buy}, // 4: k1, kc1 canceled
		lim(1, "r1", 1, Sell, GTC, 200, 6),       // 5
		rep(1, "r2", "r1", 1, Sell, GTC, 210, 8), // 6: r1 replaced away while new
		lim(2, "p1", 1, Buy, Day, 210, 3),        // 7: r2 partially filled (3 of 8)
		rep(1, "r3", "r2", 1, Sell, GTC, 210, 7), // 8: r2 replaced away while partial
		lim(2, "i1", 0, Buy, IOC, 50, 2),         // 9: IOC remainder canceled
		lim(2, "g1", 0, Sell, GTC, 300, 9),       // 10: rests
		lim(1, "b1", 0, Buy, Day, 80, 2),         // 11: rests
	}
}
