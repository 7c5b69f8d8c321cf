package anomaly

import "math"

// windowStats keeps the mean and variance of the last n values with running
// sums, O(1) per update. The sums are recomputed from the buffer every n
// updates so that floating-point drift cannot accumulate.
type windowStats struct {
	buf        []float64
	next, fill int
	sum, sumSq float64
	sinceFresh int
}

func newWindowStats(n int) *windowStats {
	if n < 1 {
		n = 1
	}
	return &windowStats{buf: make([]float64, n)}
}

func (w *windowStats) add(v float64) {
	if w.fill == len(w.buf) {
		old := w.buf[w.next]
		w.sum -= old
		w.sumSq -= old * old
	} else {
		w.fill++
	}
	w.buf[w.next] = v
	w.sum += v
	w.sumSq += v * v
	w.next++
	if w.next == len(w.buf) {
		w.next = 0
	}
	w.sinceFresh++
	if w.sinceFresh >= len(w.buf) {
		w.refresh()
	}
}

func (w *windowStats) refresh() {
	w.sinceFresh = 0
	w.sum, w.sumSq = 0, 0
	for _, v := range w.buf[:w.fill] {
		w.sum += v
		w.sumSq += v * v
	}
}

func (w *windowStats) count() int { return w.fill }

func (w *windowStats) mean() float64 {
	if w.fill == 0 {
		return 0
	}
	return w.sum / float64(w.fill)
}

func (w *windowStats) variance() float64 {
	if w.fill < 2 {
		return 0
	}
	m := w.mean()
	v := w.sumSq/float64(w.fill) - m*m
	return math.Max(v, 0)
}
