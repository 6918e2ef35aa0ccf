// Writing values into Lucene queries.

// `value` as a quoted Lucene phrase: backslashes and quotes escaped.
export function lucenePhrase(value) {
  return `"${String(value).replace(/[\\"]/g, (found) => `\\${found}`)}"`;
}
