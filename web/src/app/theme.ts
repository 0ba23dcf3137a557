import { createTheme, type MantineColorsTuple } from '@mantine/core';

// A deep field green: white text on it and it on white both pass WCAG AA, readable in sunlight.
const field: MantineColorsTuple = [
  '#e8f5e9',
  '#c8e6c9',
  '#a5d6a7',
  '#81c784',
  '#66bb6a',
  '#4caf50',
  '#388e3c',
  '#2e7d32',
  '#1b5e20',
  '#124116',
];

/** Mobile first: every control is at least 48 px tall so a gloved thumb hits it. */
export const theme = createTheme({
  primaryColor: 'field',
  primaryShade: 8,
  colors: { field },
  fontFamily: 'Inter, "Noto Sans Khmer", system-ui, -apple-system, "Segoe UI", Roboto, sans-serif',
  headings: { fontFamily: 'Inter, "Noto Sans Khmer", system-ui, sans-serif' },
  defaultRadius: 'md',
  black: '#111',
  components: {
    Button: { defaultProps: { size: 'lg' } },
    TextInput: { defaultProps: { size: 'lg' } },
    PasswordInput: { defaultProps: { size: 'lg' } },
    NumberInput: { defaultProps: { size: 'lg' } },
    Select: { defaultProps: { size: 'lg' } },
    SegmentedControl: { defaultProps: { size: 'md' } },
    ActionIcon: { defaultProps: { size: 48 } },
    Anchor: { defaultProps: { underline: 'always' } },
    // Status words in their own case, never cut off ("ONLI…").
    Badge: {
      defaultProps: { size: 'lg', tt: 'none' },
      styles: { root: { flexShrink: 0, overflow: 'visible' }, label: { overflow: 'visible' } },
    },
    Tabs: {
      styles: {
        list: { flexWrap: 'nowrap', overflowX: 'auto', scrollbarWidth: 'none' },
        tab: { minHeight: 48, whiteSpace: 'nowrap' },
      },
    },
  },
});
