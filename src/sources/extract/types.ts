/** A translated stretch of a file: UTF-16 offsets [start, end) into the file's own text. */
export interface Segment {
  start: number;
  end: number;
}
