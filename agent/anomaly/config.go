package anomaly

// ProductionThreshold is the score at and above which the product raises a
// finding. It is HTM's log-likelihood threshold 0.5, a Gaussian tail
// probability of 1e-5 for the recent novelty, and it sits within 0.02 of the
// threshold NAB's optimiser picks for this detector.
const ProductionThreshold = 0.5

// Config holds the detector's parameters. They are general: none is tuned to
// a particular series, and the defaults are used for every series scored.
type Config struct {
	LearningPoints int     // points learned before any score (0: auto, see DefaultConfig)
	Threshold      float64 // alert threshold; an alert starts a rest period
	RestPoints     int     // points without alerts after one (0: LearningPoints/5)
	Bins           int     // quantisation levels over the learned range
	ContextLen     int     // longest context, in points
	MaxContexts    int     // memory bound of the context store
	RangeTolerance float64 // share of the seen range a value may pass it by unscored
	AverageWindow  int     // points in the short-term mean of raw scores
	HistoryWindow  int     // points in the long-term distribution of those means
}

// StreamingLearningPoints is the learning period of a streaming detector
// whose series length is unknown: one day of one-minute points, so that the
// daily cycle has been seen once before anything is scored.
const StreamingLearningPoints = 1440

// DefaultConfig returns the general parameters the product uses, and the
// ones measured on NAB. Its LearningPoints is 0, "auto": ScoreSeries learns
// for NAB's probationary period (15% of the series, at most 750 points, the
// period NAB hands every detector) and NewDetector for
// StreamingLearningPoints. Bins = 7 and
// ContextLen = 7 follow the contextual anomaly detector (CAD OSE: 3-bit
// levels, left contexts of up to 7); the averaging and history windows, the
// variance floor and the 5% range tolerance follow HTM's anomaly likelihood
// and spatial-anomaly check; resting a fifth of the learning period after an
// alert follows CAD OSE.
func DefaultConfig() Config {
	return Config{
		Threshold:      ProductionThreshold,
		Bins:           7,
		ContextLen:     7,
		MaxContexts:    1 << 18,
		RangeTolerance: 0.05,
		AverageWindow:  10,
		HistoryWindow:  8640,
	}
}

func (c Config) withDefaults() Config {
	def := DefaultConfig()
	setInt := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	setInt(&c.LearningPoints, StreamingLearningPoints)
	setInt(&c.RestPoints, max(c.LearningPoints/5, 1))
	setInt(&c.Bins, def.Bins)
	setInt(&c.ContextLen, def.ContextLen)
	setInt(&c.MaxContexts, def.MaxContexts)
	setInt(&c.AverageWindow, def.AverageWindow)
	setInt(&c.HistoryWindow, def.HistoryWindow)
	if c.Threshold <= 0 {
		c.Threshold = def.Threshold
	}
	if c.RangeTolerance <= 0 {
		c.RangeTolerance = def.RangeTolerance
	}
	return c
}
