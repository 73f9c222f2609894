/** The route's successful answer, as in the contract. */
export interface ImagesResponse {
  /** Unix time in seconds. */
  created: number;
  data: Array<{ url: string }>;
}
