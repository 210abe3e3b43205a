package report

import (
	"fmt"
	"html/template"
	"math"
	"strings"
	"time"
)

// line is one line of a chart.
type line struct {
	Name   string
	Values []float64 // NaN: no value in that period (a gap)
	Color  string
}

// palette colours the lines of a chart, in order.
var palette = []string{"#3b6fd8", "#e0673a", "#2e9e6a", "#9b5de5", "#d4a017", "#d63a7a", "#4aa8c9"}

// Chart geometry, in SVG user units: the drawing scales to its container.
const (
	chartW, chartH           = 720.0, 220.0
	padLeft, padRight        = 64.0, 12.0
	padTop, padBottom        = 12.0, 28.0
	plotW                    = chartW - padLeft - padRight
	plotH                    = chartH - padTop - padBottom
	chartClass               = "chart"
	noDataMessage            = "no data"
	axisColor, gridLineColor = "#888", "#ddd"
)

// chart draws lines over times as an inline SVG line chart with its axes,
// grid and legend; format writes a value of the y axis ("12ms", "3.5/s").
func chart(title string, times []time.Duration, lines []line, format func(float64) string) template.HTML {
	var b strings.Builder
	fmt.Fprintf(&b, `<figure class="%s" data-title="%s"><figcaption>%s</figcaption>`,
		chartClass, template.HTMLEscapeString(title), template.HTMLEscapeString(title))
	fmt.Fprintf(&b, `<svg viewBox="0 0 %g %g" role="img" aria-label="%s">`, chartW, chartH, template.HTMLEscapeString(title))
	top := 0.0
	points := 0
	for _, l := range lines {
		for _, v := range l.Values {
			if !math.IsNaN(v) && !math.IsInf(v, 0) {
				top = math.Max(top, v)
				points++
			}
		}
	}
	if points == 0 || len(times) == 0 {
		fmt.Fprintf(&b, `<text x="%g" y="%g" text-anchor="middle" class="nodata">%s</text></svg></figure>`,
			chartW/2, chartH/2, noDataMessage)
		return template.HTML(b.String()) // built from escaped parts
	}
	top, steps := niceCeil(top)
	end := times[len(times)-1].Seconds()
	x := func(t time.Duration) float64 { return padLeft + plotW*t.Seconds()/math.Max(end, 1e-9) }
	y := func(v float64) float64 { return padTop + plotH*(1-v/top) }
	for i := 0; i <= steps; i++ {
		v := top * float64(i) / float64(steps)
		fmt.Fprintf(&b, `<line x1="%g" x2="%g" y1="%.1f" y2="%.1f" stroke="%s"/>`, padLeft, chartW-padRight, y(v), y(v), gridLineColor)
		fmt.Fprintf(&b, `<text x="%g" y="%.1f" text-anchor="end" class="tick">%s</text>`, padLeft-6, y(v)+4, template.HTMLEscapeString(format(v)))
	}
	for i := 0; i <= 4; i++ {
		t := time.Duration(float64(times[len(times)-1]) * float64(i) / 4)
		fmt.Fprintf(&b, `<text x="%.1f" y="%g" text-anchor="middle" class="tick">%s</text>`, x(t), chartH-8, clock(t))
	}
	fmt.Fprintf(&b, `<line x1="%g" x2="%g" y1="%g" y2="%g" stroke="%s"/>`, padLeft, chartW-padRight, padTop+plotH, padTop+plotH, axisColor)
	for _, l := range lines {
		var pts []string
		flush := func() {
			if len(pts) > 0 {
				fmt.Fprintf(&b, `<polyline fill="none" stroke="%s" stroke-width="2" points="%s" data-series="%s"/>`,
					l.Color, strings.Join(pts, " "), template.HTMLEscapeString(l.Name))
				if len(pts) == 1 {
					fmt.Fprintf(&b, `<circle r="2.5" fill="%s" cx="%s" cy="%s"/>`, l.Color,
						strings.Split(pts[0], ",")[0], strings.Split(pts[0], ",")[1])
				}
			}
			pts = pts[:0]
		}
		for i, v := range l.Values {
			if i >= len(times) || math.IsNaN(v) || math.IsInf(v, 0) {
				flush()
				continue
			}
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", x(times[i]), y(v)))
		}
		flush()
	}
	b.WriteString(`</svg><ul class="legend">`)
	for _, l := range lines {
		fmt.Fprintf(&b, `<li><span style="background:%s"></span>%s</li>`, l.Color, template.HTMLEscapeString(l.Name))
	}
	b.WriteString(`</ul></figure>`)
	return template.HTML(b.String()) // built from escaped parts
}

// niceCeil rounds v up to 1, 2 or 5 times a power of ten and says in how
// many steps to grid it, so that the grid's values read well (0, 0.5, 1, 1.5,
// 2 rather than 0, 0.4, 0.8…).
func niceCeil(v float64) (top float64, steps int) {
	if v <= 0 {
		return 1, 5
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []struct {
		mult  float64
		steps int
	}{{1, 5}, {2, 4}, {5, 5}} {
		if v <= m.mult*p*(1+1e-9) {
			return m.mult * p, m.steps
		}
	}
	return 10 * p, 5
}

// clock writes a time from the start of the run: "0s", "45s", "2m30s".
func clock(d time.Duration) string {
	return d.Round(time.Second).String()
}
