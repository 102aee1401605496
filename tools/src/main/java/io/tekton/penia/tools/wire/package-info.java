/** The wire format shared by every adapter: strict request parsing and the JSON views of engine results. */
package io.tekton.penia.tools.wire;
