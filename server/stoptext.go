package server

import (
	"errors"
	"syscall"

	"github.com/openmatch/matchd/pipeline"
)

// ErrPipelineFailed is wrapped by the error Run returns when the server shut
// itself down because the journal or a snapshot could not be written. The cause
// has already been logged at error level when it happened, so a caller need
// not log it again.
var ErrPipelineFailed = errors.New("server: pipeline failed")

// Texts of the Logout each logged-on session gets at shutdown.
const (
	stopTextGraceful = "server shutting down"
	stopTextPrefix   = "server stopping: "
)

// stopText is the Text(58) of the Logouts sent when the pipeline failed with
// cause: what failed and the operating system's reason, e.g. "server stopping:
// journal write failed: no space left on device". Paths and offsets stay in the
// log; a client needs only to know that the venue stopped and why.
func stopText(cause error) string {
	if _, ok := isDivergence(cause); ok {
		return divergenceText
	}
	what := "storage failed"
	switch {
	case errors.Is(cause, pipeline.ErrJournal):
		what = "journal write failed"
	case errors.Is(cause, pipeline.ErrSnapshot):
		what = "snapshot write failed"
	}
	var errno syscall.Errno
	if errors.As(cause, &errno) {
		return stopTextPrefix + what + ": " + errno.Error()
	}
	return stopTextPrefix + what
}
