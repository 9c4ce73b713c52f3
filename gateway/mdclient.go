package gateway

import (
	"errors"

	"github.com/quickfixgo/quickfix"

	"github.com/openmatch/matchd/internal/fixtag"
	"github.com/openmatch/matchd/marketdata"
)

// mdClient is one session's marketdata.BatchClient: the feed's sender
// goroutine for the session calls Send with each refresh in order, or
// SendBatch with a run of X of one subscription (a backlog), which goes out as
// one X.
type mdClient struct {
	g   *Gateway
	sid quickfix.SessionID
}

var _ marketdata.BatchClient = (*mdClient)(nil)

// Send formats r as a W or an X and hands it to QuickFIX for the session.
func (c *mdClient) Send(reqID string, r *marketdata.Refresh) error {
	sc := c.g.syms.config(r.Symbol)
	if sc == nil {
		return errors.New("gateway: market data for unknown symbol index")
	}
	return quickfix.SendToTarget(buildRefresh(reqID, r, sc), c.sid)
}

// SendBatch formats rs (incremental refreshes of reqID, in order) as ONE X
// holding every entry of every refresh in order, and hands it to QuickFIX.
func (c *mdClient) SendBatch(reqID string, rs []*marketdata.Refresh) error {
	for _, r := range rs {
		if r.Full || c.g.syms.config(r.Symbol) == nil {
			return errors.New("gateway: market-data batch with a snapshot or an unknown symbol index")
		}
	}
	return quickfix.SendToTarget(buildIncremental(reqID, rs, c.g.syms.config), c.sid)
}

// marketDataRequest answers a MarketDataRequest (V) of session s: a Reject(3)
// (returned, QuickFIX sends it) for a malformed one, a MarketDataRequestReject
// (Y, sent here, at once: it is not a journaled command) for one the venue
// cannot serve, else a subscription of the feed, which sends the W (and the X
// after it) from the session's market-data sender.
func (g *Gateway) marketDataRequest(msg *quickfix.Message, s *session) quickfix.MessageRejectError {
	feed := g.opts.MarketData
	if s.fix42 {
		g.Counters.MessageRejects[RejectUnsupportedMsgType].Add(1)
		return &rejectError{text: "MarketDataRequest (V) is served on FIX.4.4 sessions only",
			reason: bizRejUnsupportedMsgType, business: true}
	}
	r, serr, rej := g.dec.decodeMarketData(msg.Bytes())
	if serr != nil {
		g.Counters.MessageRejects[serr.kind].Add(1)
		return &serr.rejectError
	}
	if rej == nil && r.subType == subUnsubscribe {
		if !feed.Unsubscribe(s.owner, r.req.ReqID) {
			rej = &mdReject{reqID: r.req.ReqID, reason: mdRejNone, text: "unknown MDReqID: no subscription to cancel"}
		}
	} else if rej == nil {
		err := feed.Subscribe(s.owner, &mdClient{g: g, sid: s.id}, r.req)
		switch {
		case err == nil:
		case errors.Is(err, marketdata.ErrDuplicateReqID):
			rej = &mdReject{reqID: r.req.ReqID, reason: mdRejDuplicateReqID, text: "duplicate MDReqID: a subscription with this MDReqID is active"}
		default:
			g.Counters.MessageRejects[RejectUnavailable].Add(1)
			return &rejectError{text: "market data not available: " + err.Error(), reason: bizRejAppNotAvailable,
				business: true, refID: r.req.ReqID}
		}
	}
	if rej != nil {
		g.Counters.MarketDataRejects.Add(1)
		if err := quickfix.SendToTarget(buildMDReject(rej), s.id); err != nil {
			g.log.Warn().Err(err).Str("session", s.id.String()).Msg("MarketDataRequestReject not sent")
		}
		return nil
	}
	g.Counters.MarketDataRequests.Add(1)
	return nil
}

// isMarketDataRequest reports whether msg is a V (without allocating: FromApp
// asks it of every order).
func isMarketDataRequest(msg *quickfix.Message) bool {
	mt, err := msg.Header.GetBytes(fixtag.MsgType)
	return err == nil && len(mt) == 1 && mt[0] == fixtag.MsgTypeMarketDataRequest[0]
}

// mdDisconnect drops every market-data subscription of s (its logout).
func (g *Gateway) mdDisconnect(s *session) {
	if g.opts.MarketData != nil {
		g.opts.MarketData.Disconnect(s.owner)
	}
}
