"""One module per question kind, used by the learner's check and the grader's judge."""
