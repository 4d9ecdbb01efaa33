// Line and column of a UTF-16 offset as an editor shows them: 1-based, columns in code points (a CJK
// Extension B character is two UTF-16 units but one column), lines split at \n (a \r before it is not
// counted in any column the detector reports, since it ends the line).

export class LineIndex {
  private starts: number[] = [0];
  constructor(readonly text: string) {
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) this.starts.push(i + 1);
  }

  lineOf(offset: number): number {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  }

  /** { line, column } of a UTF-16 offset, both 1-based, column in code points. */
  position(offset: number): { line: number; column: number } {
    const line = this.lineOf(offset);
    const start = this.starts[line - 1];
    let column = 1;
    for (let i = start; i < offset; i++) {
      const u = this.text.charCodeAt(i);
      if (u >= 0xd800 && u <= 0xdbff && i + 1 < offset) i++;
      column++;
    }
    return { line, column };
  }

  /** The text of a 1-based line, without its line break. */
  lineText(line: number): string {
    const start = this.starts[line - 1];
    if (start === undefined) return '';
    const end = line < this.starts.length ? this.starts[line] - 1 : this.text.length;
    return this.text.slice(start, end).replace(/\r$/, '');
  }
}
