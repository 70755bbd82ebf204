// Package corpus builds the files of demo and test drives: clean documents
// and images, and the hostile cases a station must stop (the EICAR test
// file at several archive depths, an encrypted zip, a disguised
// executable, zip-slip names, a zip bomb). Everything is generated in
// code, so the repository holds no live samples, and every build is
// deterministic.
package corpus
