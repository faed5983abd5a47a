"""Shop rules shared by the panel and the CLI: plain values in, plain values out, no request objects."""
