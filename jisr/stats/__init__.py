"""Statistics: the funnel and its breakdowns, counted as files move (summary tables), and their pages."""
