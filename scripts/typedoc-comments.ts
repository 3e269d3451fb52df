/**
 * A TypeDoc plugin (`typedoc.json`'s `plugin`): the guide's pages in the API site without
 * their HTML comments, as the docs app shows them.
 *
 * Strategy: TypeDoc renders every piece of markdown (a project document, a doc comment) with
 * markdown-it, which passes a comment through as raw HTML and, when a line starts with one,
 * takes the rest of the line as HTML too: a generated figure lands outside any paragraph, its
 * backticks shown. Before markdown-it runs, this hands the text to the docs app's own
 * {@link hideComments}, so the two sites follow one rule and the markers stay in the sources
 * for `npm run figures`.
 *
 * What it will not do: touch anything but the markdown, or load without tsx (`npm run docs`
 * starts TypeDoc with `--import tsx`).
 */

import { MarkdownEvent, type Application } from 'typedoc';
import { hideComments } from '../docs/markdown.ts';

/** Registers the rewrite, ahead of TypeDoc's own markdown renderer (priority 0). */
export function load(app: Application): void {
  app.renderer.on(
    MarkdownEvent.PARSE,
    (event: MarkdownEvent) => {
      event.parsedText = hideComments(event.parsedText);
    },
    100,
  );
}
