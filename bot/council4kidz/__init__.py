"""Council4Kidz's tools: phrasing sheets (and, to come, the web chat's test mode)."""
