// Copyright (c) quickfixengine.org  All rights reserved.
//
// This file may be distributed under the terms of the quickfixengine.org
// license as defined by quickfixengine.org and appearing in the file
// LICENSE included in the packaging of this file.
//
// This file is provided AS IS with NO WARRANTY OF ANY KIND, INCLUDING
// THE WARRANTY OF DESIGN, MERCHANTABILITY AND FITNESS FOR A
// PARTICULAR PURPOSE.
//
// See http://www.quickfixengine.org/LICENSE for licensing information.
//
// Contact ask@quickfixengine.org if any conditions of this licensing
// are not clear to you.

package quickfix

import (
	"errors"
	"io"
)

// matchd patch. The session goroutine hands outgoing messages to writeLoop with
// a non-blocking send and, when that fails, spins through its event loop until
// it succeeds (session.sendQueued). With the unbuffered channel of v0.9.10 the
// send fails whenever the writer is busy in its write syscall or has not been
// scheduled yet, which on a machine with few cores burns the CPU the writer
// needs. A buffered channel lets the session queue up to outboundQueue messages
// without waiting, and writeLoop coalesces what is queued into one write.
const outboundQueue = 1024

// maxCoalesced bounds the bytes writeLoop gathers into one write: it stops
// gathering once it holds that many, so a write holds at most maxCoalesced plus
// one message (a single larger message is written whole).
const maxCoalesced = 64 << 10

// newMessageOut makes the channel from a session to its connection's
// writeLoop, buffered for outboundQueue messages.
func newMessageOut() chan []byte { return make(chan []byte, outboundQueue) }

func writeLoop(connection io.Writer, messageOut chan []byte, log Log) {
	// matchd patch: count what is written, wake the session after each write
	// and let Outbound.Conn close the socket (outbound.go).
	out, conn := attachWriter(messageOut, connection)
	if out != nil {
		defer out.detachWriter(messageOut, conn)
	}
	buf := make([]byte, 0, maxCoalesced)
	for {
		msg, ok := <-messageOut
		if !ok {
			return
		}
		buf = append(buf[:0], msg...)
		n := 1
		open := true
	gather:
		for open && len(buf) < maxCoalesced {
			select {
			case msg, open = <-messageOut:
				if open {
					buf = append(buf, msg...)
					n++
				}
			default:
				break gather
			}
		}
		if _, err := connection.Write(buf); err != nil {
			log.OnEvent(err.Error())
		}
		if out != nil {
			out.written(n, len(buf))
			out.signal()
		}
		if !open {
			return
		}
	}
}

// readLoop hands what parser reads to the session until it fails. matchd
// patch: it returns the error; a message over the parser's maxBodyLength is
// handed on as a refusal, for the session to log out with its Text; and it
// returns when parser.done is closed rather than wait for ever for a session
// that stopped reading (a refused Logon followed by more messages).
func readLoop(parser *parser, msgIn chan fixIn, log Log) error {
	defer close(msgIn)

	for {
		msg, err := parser.ReadMessage()
		in := fixIn{bytes: msg, receiveTime: parser.lastRead}
		if err != nil {
			log.OnEvent(err.Error())
			var tooLarge *messageTooLargeError
			if !errors.As(err, &tooLarge) {
				return err
			}
			in = fixIn{refused: err.Error()}
		}
		select {
		case msgIn <- in:
		case <-parser.done:
			return errConnectionDone
		}
		if err != nil {
			return err
		}
	}
}

// errConnectionDone: readLoop stopped because its connection is done (matchd
// patch).
var errConnectionDone = errors.New("connection done")
