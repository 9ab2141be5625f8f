// Facts about the published site that the layout, sitemap and links share.

export interface SiteConfig {
  /** Absolute origin, no trailing slash (default: "https://onix-os.com"). */
  origin: string;
  /** Site name used in titles and Open Graph (default: "ONIX"). */
  name: string;
  /** Repository whose "edit this page" links point at (default: "onix-os/onix-os.com"). */
  repo: string;
  /** Branch the edit links open (default: "main"). */
  branch: string;
  /** Path of the content folder inside the repository (default: "content"). */
  contentPathInRepo: string;
}

export const defaultSiteConfig: SiteConfig = {
  origin: 'https://onix-os.com',
  name: 'ONIX',
  repo: 'onix-os/onix-os.com',
  branch: 'main',
  contentPathInRepo: 'content',
};
