import { autocompletion, completionKeymap } from "@codemirror/autocomplete";
import { defaultKeymap, history, historyKeymap, indentWithTab } from "@codemirror/commands";
import { PostgreSQL, sql } from "@codemirror/lang-sql";
import { bracketMatching, defaultHighlightStyle, syntaxHighlighting } from "@codemirror/language";
import { Compartment, EditorState } from "@codemirror/state";
import { EditorView, keymap, lineNumbers, placeholder } from "@codemirror/view";

export interface SqlEditor {
  view: EditorView;
  /** The selected text, or the whole document when nothing is selected. */
  statement(): string;
  /** Completion of these tables and their columns from now on. */
  setSchema(schema: Record<string, string[]>): void;
  setText(text: string): void;
  destroy(): void;
}

/**
 * CodeMirror 6 with SQL highlighting and completion of keywords, tables and columns.
 * PostgreSQL's dialect is the closest of lang-sql's to DuckDB's. Ctrl/Cmd-Enter runs.
 */
export function createSqlEditor(
  parent: HTMLElement,
  initial: string,
  onRun: () => void,
): SqlEditor {
  const language = new Compartment();
  const sqlWith = (schema: Record<string, string[]>) =>
    sql({ dialect: PostgreSQL, schema, upperCaseKeywords: true });
  const view = new EditorView({
    parent,
    state: EditorState.create({
      doc: initial,
      extensions: [
        lineNumbers(),
        history(),
        bracketMatching(),
        syntaxHighlighting(defaultHighlightStyle),
        autocompletion(),
        placeholder("SELECT … (Ctrl+Enter runs the selection, or everything)"),
        language.of(sqlWith({})),
        keymap.of([
          {
            key: "Mod-Enter",
            run: () => {
              onRun();
              return true;
            },
          },
          ...completionKeymap,
          ...defaultKeymap,
          ...historyKeymap,
          // Tab indents; Escape then Tab leaves the editor (CodeMirror's accessible default).
          indentWithTab,
        ]),
        EditorView.contentAttributes.of({ "aria-label": "SQL statement" }),
      ],
    }),
  });
  return {
    view,
    statement() {
      const { from, to } = view.state.selection.main;
      return (from === to ? view.state.doc.toString() : view.state.sliceDoc(from, to)).trim();
    },
    setSchema(schema) {
      view.dispatch({ effects: language.reconfigure(sqlWith(schema)) });
    },
    setText(text) {
      view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text } });
    },
    destroy: () => view.destroy(),
  };
}
