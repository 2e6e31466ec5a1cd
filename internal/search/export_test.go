package search

// The analyzers the relevance test measures, by their mapping names.
const (
	AnalyzerCJK = "cjk"
	AnalyzerGse = gseAnalyzerName
)

// OpenBleveWith opens an index cutting text with the named analyzer.
func OpenBleveWith(path, analyzer string) (*Bleve, error) { return openBleve(path, analyzer) }
