package progress

import (
	"io"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/muesli/termenv"

	"github.com/minik6/minik6/testrun"
)

// How often the display is drawn: a terminal is redrawn in place a few times
// a second; a file or a pipe gets a block every few seconds at most.
const (
	TerminalInterval = 200 * time.Millisecond
	PlainInterval    = 2 * time.Second
)

// Config says where and how a Display draws.
type Config struct {
	// Out is where the progress goes (stderr).
	Out io.Writer
	// Terminal: Out is a terminal, redrawn in place with bars.
	Terminal bool
	// Width is the terminal's width now (lines are cut to it, so that none
	// wraps); nil or 0 leaves lines whole.
	Width func() int
	// Status snapshots the run.
	Status func() testrun.Status
	// Plan is what is known of the test before it runs.
	Plan Plan
	// Interval overrides TerminalInterval or PlainInterval (tests).
	Interval time.Duration
}

// Display draws a run's progress until Stop. Logs written through Wrap's
// writer appear above the progress block instead of through it.
type Display struct {
	cfg  Config
	term *termenv.Output

	mu    sync.Mutex
	shown []string // the block on screen (terminal only)

	stop chan struct{}
	done chan struct{}
}

// Start starts drawing.
func Start(cfg Config) *Display {
	if cfg.Interval <= 0 {
		cfg.Interval = PlainInterval
		if cfg.Terminal {
			cfg.Interval = TerminalInterval
		}
	}
	d := &Display{cfg: cfg, stop: make(chan struct{}), done: make(chan struct{})}
	if cfg.Terminal {
		d.term = termenv.NewOutput(cfg.Out)
	}
	go d.loop()
	return d
}

func (d *Display) loop() {
	defer close(d.done)
	t := time.NewTicker(d.cfg.Interval)
	defer t.Stop()
	for {
		select {
		case <-d.stop:
			return
		case <-t.C:
			d.draw()
		}
	}
}

// Stop ends the updates and draws the final state, which stays on screen.
func (d *Display) Stop() {
	select {
	case <-d.stop:
		return
	default:
	}
	close(d.stop)
	<-d.done
	d.draw()
	d.mu.Lock()
	d.shown = nil // what is on screen now stays
	d.mu.Unlock()
}

// draw shows the run's state now.
func (d *Display) draw() {
	lines := Render(d.cfg.Status(), d.cfg.Plan, d.cfg.Terminal)
	d.mu.Lock()
	defer d.mu.Unlock()
	if !d.cfg.Terminal {
		_, _ = io.WriteString(d.cfg.Out, strings.Join(lines, "\n")+"\n\n")
		return
	}
	if w := d.width(); w > 0 {
		for i, l := range lines {
			lines[i] = cut(l, w-1)
		}
	}
	d.eraseLocked()
	_, _ = io.WriteString(d.cfg.Out, strings.Join(lines, "\n")+"\n")
	d.shown = lines
}

// eraseLocked clears the block on screen, leaving the cursor where it began.
func (d *Display) eraseLocked() {
	if len(d.shown) > 0 {
		d.term.ClearLines(len(d.shown))
	}
}

func (d *Display) width() int {
	if d.cfg.Width == nil {
		return 0
	}
	return d.cfg.Width()
}

// Wrap returns a writer for logs that go to the same terminal: each write
// clears the progress block, writes, and draws the block again below it.
// Without a terminal it is w.
func (d *Display) Wrap(w io.Writer) io.Writer {
	if !d.cfg.Terminal {
		return w
	}
	return &aboveWriter{d: d, w: w}
}

type aboveWriter struct {
	d *Display
	w io.Writer
}

func (a *aboveWriter) Write(p []byte) (int, error) {
	a.d.mu.Lock()
	defer a.d.mu.Unlock()
	a.d.eraseLocked()
	n, err := a.w.Write(p)
	if len(a.d.shown) > 0 {
		_, _ = io.WriteString(a.d.cfg.Out, strings.Join(a.d.shown, "\n")+"\n")
	}
	return n, err
}

// cut shortens s to at most n characters.
func cut(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:max(n, 0)])
}
