// Light/dark theme: follows prefers-color-scheme until the user picks one with the toggle.
import { useEffect, useState } from 'react';

export type Theme = 'light' | 'dark';
const KEY = 'skbscope.theme';
const listeners = new Set<(t: Theme) => void>();

function systemTheme(): Theme {
  return window.matchMedia?.('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
}

export function currentTheme(): Theme {
  const saved = localStorage.getItem(KEY);
  return saved === 'light' || saved === 'dark' ? saved : systemTheme();
}

function apply(t: Theme): void {
  document.documentElement.dataset.theme = t;
  for (const l of listeners) l(t);
}

export function initTheme(): void {
  apply(currentTheme());
  window.matchMedia?.('(prefers-color-scheme: dark)').addEventListener?.('change', () => {
    if (!localStorage.getItem(KEY)) apply(systemTheme());
  });
}

export function setTheme(t: Theme): void {
  localStorage.setItem(KEY, t);
  apply(t);
}

export function useTheme(): Theme {
  const [t, setT] = useState<Theme>(currentTheme);
  useEffect(() => {
    listeners.add(setT);
    return () => void listeners.delete(setT);
  }, []);
  return t;
}
