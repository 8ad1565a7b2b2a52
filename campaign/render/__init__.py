"""Human-readable output, one module per command: plain aligned tables and sentences, numbers in the reader's
locale (scenarios.formatting); `tables` holds what the commands share."""
