"""ROUGE-L, exact match and contains_reference on worked examples (the arithmetic is in the comments)."""
from __future__ import annotations

import unittest

import metrics


class RougeLTest(unittest.TestCase):
    def test_worked_examples(self):
        cases = [
            # pred [the cat sat on the mat] (6), ref [the cat is on the mat] (6); LCS "the cat on the mat" = 5.
            # P = 5/6, R = 5/6, F1 = 2PR/(P+R) = 5/6 = 0.833333
            ("the cat sat on the mat", "the cat is on the mat", 5 / 6),
            # pred [order 1042 shipped yesterday] (4), ref 11 tokens starting with those 4; LCS = 4.
            # P = 4/4 = 1, R = 4/11; F1 = 2 * 1 * 4/11 / (1 + 4/11) = (8/11) / (15/11) = 8/15 = 0.533333
            ("Order 1042 shipped yesterday.",
             "Order 1042 shipped yesterday and should arrive within three business days.", 8 / 15),
            # Order matters: [b a] vs [a b]; LCS = 1 ("a" or "b"). P = R = 1/2, F1 = 1/2.
            ("b a", "a b", 0.5),
            # Case and punctuation do not count: both are [paris].
            ("Paris!", "paris", 1.0),
            # Unicode words stay words (rouge_score would see no tokens): [grüße aus köln] twice.
            ("Grüße aus Köln", "grüße aus Köln!", 1.0),
            # Repeated tokens: pred [a a a] (3), ref [a] (1); LCS = 1. P = 1/3, R = 1, F1 = (2/3) / (4/3) = 0.5
            ("a a a", "a", 0.5),
            ("nothing in common", "entirely different words", 0.0),
            ("", "a reference", 0.0),  # empty prediction scores 0, as in rouge_score
            ("...", "...", 0.0),        # no tokens on either side
        ]
        for prediction, reference, expected in cases:
            with self.subTest(prediction=prediction, reference=reference):
                self.assertAlmostEqual(metrics.rouge_l(prediction, reference), expected, places=12)

    def test_lcs_length(self):
        self.assertEqual(metrics.lcs_length(list("ABCBDAB"), list("BDCABA")), 4)  # the textbook pair: "BCBA"
        self.assertEqual(metrics.lcs_length([], ["a"]), 0)


class ExactMatchTest(unittest.TestCase):
    def test_worked_examples(self):
        cases = [
            ("The answer is 42.", "the answer is 42", 1.0),      # case and the final period
            ("  Hello,   World! ", "hello world", 1.0),         # whitespace runs collapse, punctuation goes
            ("don't", "dont", 1.0),                             # punctuation is removed, not turned into a space
            ("42", "forty-two", 0.0),
            ("The answer is 42", "42", 0.0),                    # exact, not contained
            ("«Oui»", "oui", 1.0),                              # Unicode punctuation too
        ]
        for prediction, reference, expected in cases:
            with self.subTest(prediction=prediction):
                self.assertEqual(metrics.exact_match(prediction, reference), expected)

    def test_normalize(self):
        self.assertEqual(metrics.normalize("  Hello,\n\tWORLD!!  "), "hello world")


class ContainsReferenceTest(unittest.TestCase):
    def test_worked_examples(self):
        cases = [
            ("The order ships Monday.", "monday", 1.0),
            ("Mondays are busy", "Monday", 0.0),                 # word boundaries: "monday" is not "mondays"
            ("I live in new   york city", "New York", 1.0),
            ("Order 1042 shipped", "1042", 1.0),
            ("It costs $1,042", "1042", 1.0),                    # the comma goes, the digits join
            ("anything", "?!", 0.0),                             # only punctuation: falls back to exact match
            ("", "...", 1.0),
        ]
        for prediction, reference, expected in cases:
            with self.subTest(prediction=prediction, reference=reference):
                self.assertEqual(metrics.contains_reference(prediction, reference), expected)


class AggregateTest(unittest.TestCase):
    def test_means_over_examples(self):
        scores = metrics.score(["the cat sat on the mat", "Paris."], ["the cat is on the mat", "paris"])
        # rouge_l: (5/6 + 1) / 2 = 11/12 = 0.916667; exact_match: (0 + 1) / 2; contains_reference: (0 + 1) / 2
        self.assertEqual(scores, {"rouge_l": 0.916667, "exact_match": 0.5, "contains_reference": 0.5})

    def test_improvement_is_tuned_minus_base(self):
        tuned = {"rouge_l": 0.6, "exact_match": 0.25, "contains_reference": 0.5}
        base = {"rouge_l": 0.4, "exact_match": 0.25, "contains_reference": 0.75}
        self.assertEqual(metrics.improvement(tuned, base), {"rouge_l": 0.2, "exact_match": 0.0, "contains_reference": -0.25})

    def test_misuse(self):
        with self.assertRaisesRegex(ValueError, "2 predictions for 1 references"):
            metrics.score(["a", "b"], ["a"])
        with self.assertRaisesRegex(ValueError, "no examples"):
            metrics.score([], [])


if __name__ == "__main__":
    unittest.main()
