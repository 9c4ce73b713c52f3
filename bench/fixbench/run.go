package fixbench

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/openmatch/matchd/bench"
)

// Run logs the sessions on, sends the load, waits for the answers, logs out
// and fetches the server's stage breakdown. Progress, if enabled, shows the
// load as it runs.
func Run(ctx context.Context, o Options, progress *bench.Progress) (*Result, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	count := o.Count
	if count == 0 {
		count = int(o.Rate * o.Duration.Seconds())
	}
	res := &Result{Texts: map[string]string{}}
	if o.Metrics != "" {
		if _, err := FetchStages(ctx, o.Metrics, o.MetricsToken, true); err != nil {
			res.StagesErr = err.Error()
		}
	} else {
		res.StagesErr = "no metrics address given"
	}

	c, err := newClient(o, count)
	if err != nil {
		return nil, err
	}
	defer c.stop()
	if err := c.logon(ctx, o.LogonTimeout); err != nil {
		return nil, err
	}

	srvCPU0, srvErr := time.Duration(0), errors.New("no metrics address given")
	if o.Metrics != "" {
		srvCPU0, srvErr = serverCPU(ctx, o.Metrics, o.MetricsToken)
	}
	var stuck *stuckClients
	if o.StuckSessions > 0 {
		if stuck, err = startStuck(ctx, o); err != nil {
			return nil, err
		}
		defer stuck.stop()
	}
	cliCPU0, cliOK := clientCPU()
	c.running.Store(true)
	results, err := bench.RunLoads(ctx, c.loads, c.send, progress)
	if err != nil {
		if ctx.Err() == nil || slices.Contains(results, nil) {
			return nil, fmt.Errorf("fixbench: %w", err)
		}
		// Interrupted: report the orders sent so far (those in flight count
		// as lost) and still fetch the server's figures.
		res.Interrupted = true
		ctx = context.WithoutCancel(ctx)
	} else {
		c.awaitFills(ctx, o.Grace)
	}
	c.running.Store(false)
	if cli, ok := clientCPU(); ok && cliOK {
		res.ClientCPU = cli - cliCPU0
	}
	if srvErr == nil {
		var srv time.Duration
		if srv, srvErr = serverCPU(ctx, o.Metrics, o.MetricsToken); srvErr == nil {
			res.ServerCPU = srv - srvCPU0
		}
	}
	if srvErr != nil {
		res.ServerCPUErr = srvErr.Error()
	}
	c.stop()
	if stuck != nil {
		res.StuckSent, res.StuckLogouts = stuck.stop()
		res.StuckSessions = o.StuckSessions
	}

	var lag *bench.Run
	res.Ack, res.Fill, lag, res.Lost = c.runs(o, results)
	if len(c.mdSubs) > 0 {
		st := c.mdStats()
		res.MD = &st
	}
	res.Runs = []*bench.Run{res.Ack, res.Fill, lag}
	for k, v := range c.texts() {
		res.Texts[k] = v
	}
	if o.Metrics != "" && res.StagesErr == "" {
		st, err := FetchStages(ctx, o.Metrics, o.MetricsToken, false)
		if err != nil {
			res.StagesErr = err.Error()
		} else {
			res.Stages = st
			for _, s := range st.Stages {
				h, err := s.Histogram()
				if err != nil {
					res.StagesErr = fmt.Sprintf("stage %s: %v (figures shown without histogram)", s.Name, err)
					continue
				}
				res.Runs = append(res.Runs, bench.NewRun("server/"+s.Name,
					map[string]string{"source": "GET http://" + o.Metrics + "/debug/stages"}, h, res.Ack.Start, res.Ack.Duration))
			}
		}
	}
	return res, nil
}
