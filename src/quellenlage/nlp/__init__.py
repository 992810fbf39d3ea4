"""The German reading layer: sections, sentences, tokens, entities, quotes, numbers, dates."""
