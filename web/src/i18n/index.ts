import i18n from 'i18next';
import { initReactI18next } from 'react-i18next';
import de from './locales/de.json';
import en from './locales/en.json';
import es from './locales/es.json';
import km from './locales/km.json';

export const LANGUAGES = [
  { code: 'en', label: 'English' },
  { code: 'km', label: 'ខ្មែរ' },
  { code: 'de', label: 'Deutsch' },
  { code: 'es', label: 'Español' },
] as const;
export type Language = (typeof LANGUAGES)[number]['code'];

const STORAGE_KEY = 'croft.language';
const isLanguage = (code: string | null | undefined): code is Language => LANGUAGES.some((l) => l.code === code);

/** Before sign-in: the last language used on this device, else the browser's. */
function initialLanguage(): Language {
  const stored = localStorage.getItem(STORAGE_KEY);
  if (isLanguage(stored)) return stored;
  for (const tag of navigator.languages ?? []) {
    const code = tag.slice(0, 2).toLowerCase();
    if (isLanguage(code)) return code;
  }
  return 'en';
}

/** Switches the language of the page (and remembers it on this device). */
export async function switchLanguage(code: string): Promise<void> {
  if (!isLanguage(code) || i18n.language === code) return;
  localStorage.setItem(STORAGE_KEY, code);
  await i18n.changeLanguage(code);
}

i18n.on('languageChanged', (code) => {
  document.documentElement.lang = code;
});

void i18n.use(initReactI18next).init({
  resources: { en: { translation: en }, km: { translation: km }, de: { translation: de }, es: { translation: es } },
  lng: initialLanguage(),
  fallbackLng: 'en',
  interpolation: { escapeValue: false }, // React escapes
  returnNull: false,
});
document.documentElement.lang = i18n.language;

export default i18n;
