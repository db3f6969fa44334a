package workload

import (
	"math"

	"sentry/backend/core"
)

// CBIItem is one question of the work-related burnout subscale of the
// Copenhagen Burnout Inventory (Kristensen, Borritz, Villadsen and
// Christensen, 2005).
type CBIItem struct {
	Number   int      `json:"number"`
	Text     string   `json:"text"`
	Options  []string `json:"options"`
	Reversed bool     `json:"reversed"`
}

var (
	degreeOptions    = []string{"To a very high degree", "To a high degree", "Somewhat", "To a low degree", "To a very low degree"}
	frequencyOptions = []string{"Always", "Often", "Sometimes", "Seldom", "Never/almost never"}
)

// CBIItems are the seven items in the published order. Answers are the
// position of the chosen option, 1 (first) to 5 (last).
var CBIItems = []CBIItem{
	{1, "Is your work emotionally exhausting?", degreeOptions, false},
	{2, "Do you feel burnt out because of your work?", degreeOptions, false},
	{3, "Does your work frustrate you?", degreeOptions, false},
	{4, "Do you feel worn out at the end of the working day?", frequencyOptions, false},
	{5, "Are you exhausted in the morning at the thought of another day at work?", frequencyOptions, false},
	{6, "Do you feel that every working hour is tiring for you?", frequencyOptions, false},
	{7, "Do you have enough energy for family and friends during leisure time?", frequencyOptions, true},
}

// MinCBIAnswers: with fewer answered items the published scoring treats
// the respondent as a non-responder.
const MinCBIAnswers = 3

// ScoreCBI scores answers to the seven items (1–5 each, 0 for an item left
// unanswered): the options score 100, 75, 50, 25, 0 in order (the reversed
// item 7 the other way round), and the subscale score is the mean of the
// answered items.
func ScoreCBI(answers []int) (float64, error) {
	if len(answers) != len(CBIItems) {
		return 0, core.FieldError("cbi_answers", "Give all 7 answers in order (1–5, or 0 or null to skip one).")
	}
	var sum float64
	n := 0
	for i, a := range answers {
		if a == 0 {
			continue
		}
		if a < 1 || a > 5 {
			return 0, core.FieldError("cbi_answers", "Each answer is 1 (first option) to 5 (last option); 0 or null skips it.")
		}
		v := 100 - 25*float64(a-1)
		if CBIItems[i].Reversed {
			v = 100 - v
		}
		sum += v
		n++
	}
	if n < MinCBIAnswers {
		return 0, core.FieldError("cbi_answers", "Answer at least %d of the 7 questions.", MinCBIAnswers)
	}
	return math.Round(sum/float64(n)*10) / 10, nil
}
