/** JSON values: what flows between steps and what workers take and give (land references aside). */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
