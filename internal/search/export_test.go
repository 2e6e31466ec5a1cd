package search

// AnalyzerCJK is the analyzer OpenBleve uses, by its mapping name.
const AnalyzerCJK = "cjk"

// Compared are analyzers the relevance test measures against it; the
// gse comparison adds itself under the analyzers build tag (its 38 MB of
// dictionaries load in seconds, too slow and heavy for every test run).
var Compared []struct{ Name, Analyzer string }

// OpenBleveWith opens an index cutting text with the named analyzer.
func OpenBleveWith(path, analyzer string) (*Bleve, error) { return openBleve(path, analyzer) }
