package workload

import (
	"context"
	"math"
	"strings"
	"unicode"
)

// ToneScorer rates the tone of a check-in note from −1 (distressed) to +1
// (positive). The built-in Lexicon works offline; a language model may
// stand in when one is configured.
type ToneScorer interface {
	Tone(ctx context.Context, text string) (float64, error)
	Name() string
}

// Lexicon is the built-in tone scorer: a hand-made list of words about
// strain and wellbeing at work, with negation and intensifiers.
type Lexicon struct{}

// Name implements ToneScorer.
func (Lexicon) Name() string { return "lexicon" }

// Tone implements ToneScorer.
func (Lexicon) Tone(_ context.Context, text string) (float64, error) {
	return LexiconTone(text), nil
}

// toneWords rate words and phrases from −3 (strong strain) to +3.
var toneWords = map[string]float64{
	// strain
	"exhausted": -3, "exhausting": -3, "burnt out": -3, "burned out": -3, "burnout": -3, "drained": -3,
	"overwhelmed": -3, "overwhelming": -3, "breaking point": -3, "hopeless": -3, "miserable": -3, "dread": -3,
	"dreading": -3, "panic": -3, "crying": -3, "can't cope": -3, "cannot cope": -3, "worn out": -2.5,
	"stressed": -2, "stress": -2, "stressful": -2, "anxious": -2, "anxiety": -2, "swamped": -2, "drowning": -2.5,
	"frustrated": -2, "frustrating": -2, "tired": -2, "fatigued": -2, "sleepless": -2, "insomnia": -2,
	"pressure": -1.5, "overloaded": -2, "overworked": -2.5, "too much": -1.5, "behind": -1, "late": -1,
	"deadline": -0.5, "deadlines": -0.5, "rushed": -1.5, "hectic": -1.5, "chaotic": -1.5, "chaos": -1.5,
	"sick": -1.5, "headache": -1.5, "irritable": -1.5, "angry": -2, "upset": -2, "sad": -2, "lonely": -2,
	"worried": -1.5, "worry": -1.5, "nervous": -1.5, "bored": -1, "struggling": -2, "struggle": -1.5,
	"difficult": -1, "hard": -0.5, "busy": -0.5, "weekend": -0.3, "overtime": -1.5, "all-nighter": -2.5,
	"no time": -1.5, "unmotivated": -2, "numb": -2, "cynical": -2, "pointless": -2,
	// wellbeing
	"rested": 2, "relaxed": 2, "calm": 2, "energized": 2.5, "energised": 2.5, "energetic": 2, "motivated": 2,
	"productive": 2, "focused": 1.5, "happy": 2.5, "good": 1, "great": 2, "fine": 0.5, "okay": 0.3, "ok": 0.3,
	"manageable": 1.5, "balanced": 2, "on track": 1.5, "on top": 1.5, "progress": 1, "accomplished": 2,
	"satisfied": 2, "enjoy": 2, "enjoyed": 2, "enjoying": 2, "excited": 2, "proud": 2, "grateful": 2,
	"supported": 1.5, "helpful": 1, "easy": 1, "light": 1, "refreshed": 2.5, "recovered": 1.5, "healthy": 1.5,
	"vacation": 1, "holiday": 1, "break": 0.5, "slept well": 2, "better": 1, "love": 2, "fun": 2,
}

var negators = map[string]bool{"not": true, "no": true, "never": true, "hardly": true, "barely": true,
	"don't": true, "dont": true, "isn't": true, "wasn't": true, "aren't": true, "didn't": true, "without": true, "nor": true}

var intensifiers = map[string]float64{"very": 1.5, "so": 1.4, "really": 1.4, "extremely": 1.8, "totally": 1.5,
	"completely": 1.6, "utterly": 1.8, "super": 1.4, "incredibly": 1.7, "quite": 1.2, "too": 1.3, "slightly": 0.6,
	"somewhat": 0.7, "bit": 0.7, "little": 0.7}

func toneTokens(text string) []string {
	text = strings.ToLower(strings.ReplaceAll(text, "’", "'"))
	return strings.FieldsFunc(text, func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '\'' && r != '-'
	})
}

// LexiconTone scores text: each rated word or two-word phrase adds its
// rating, scaled by an intensifier just before it and flipped (and halved)
// by a negator within the three words before it; the sum s becomes
// s ÷ √(s² + 12), so a few words move the tone and many approach ±1.
func LexiconTone(text string) float64 {
	toks := toneTokens(text)
	var sum float64
	for i := 0; i < len(toks); i++ {
		v, width := 0.0, 1
		if i+1 < len(toks) {
			if r, ok := toneWords[toks[i]+" "+toks[i+1]]; ok {
				v, width = r, 2
			}
		}
		if width == 1 {
			r, ok := toneWords[toks[i]]
			if !ok {
				continue
			}
			v = r
		}
		if i > 0 {
			if m, ok := intensifiers[toks[i-1]]; ok {
				v *= m
			}
		}
		for j := max(0, i-3); j < i; j++ {
			if negators[toks[j]] || strings.HasSuffix(toks[j], "n't") {
				v = -v * 0.5
				break
			}
		}
		sum += v
		i += width - 1
	}
	if sum == 0 {
		return 0
	}
	return math.Round(sum/math.Sqrt(sum*sum+12)*100) / 100
}

// ToneLabel reads a tone: negative below −0.2, positive above 0.2.
func ToneLabel(t float64) string {
	switch {
	case t < -0.2:
		return "negative"
	case t > 0.2:
		return "positive"
	}
	return "neutral"
}
