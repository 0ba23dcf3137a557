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
    Button: { defaultProps: { size: 'lg' }, styles: { root: { minHeight: 48 } } },
    TextInput: { defaultProps: { size: 'lg' } },
    PasswordInput: { defaultProps: { size: 'lg' } },
    NumberInput: { defaultProps: { size: 'lg' } },
    ActionIcon: { defaultProps: { size: 48 } },
    Anchor: { defaultProps: { underline: 'always' } },
    // Status words in their own case, never cut off ("ONLI…").
    Badge: {
      defaultProps: { size: 'lg', tt: 'none' },
      styles: { root: { flexShrink: 0, overflow: 'visible' }, label: { overflow: 'visible' } },
    },
    // Every target a thumb's height (48 px), whatever size a page asks for.
    Menu: { styles: { item: { minHeight: 48 } } },
    Select: { defaultProps: { size: 'lg' }, styles: { input: { minHeight: 48 }, option: { minHeight: 48 } } },
    Autocomplete: { styles: { input: { minHeight: 48 }, option: { minHeight: 48 } } },
    MultiSelect: { styles: { input: { minHeight: 48 }, option: { minHeight: 48 } } },
    Combobox: { styles: { option: { minHeight: 48 } } },
    Checkbox: {
      styles: {
        body: { alignItems: 'center' },
        label: { minHeight: 48, display: 'flex', alignItems: 'center' },
      },
    },
    Radio: {
      styles: {
        body: { alignItems: 'center' },
        label: { minHeight: 48, display: 'flex', alignItems: 'center' },
      },
    },
    Switch: { styles: { body: { minHeight: 48, alignItems: 'center' } } },
    SegmentedControl: {
      defaultProps: { size: 'md' },
      styles: { label: { minHeight: 48, display: 'flex', alignItems: 'center', justifyContent: 'center' } },
    },
    Chip: { styles: { label: { minHeight: 48 } } },
    Modal: { defaultProps: { closeButtonProps: { size: 48 } } },
    Drawer: { defaultProps: { closeButtonProps: { size: 48 } } },
    Tabs: {
      styles: {
        list: { flexWrap: 'nowrap', overflowX: 'auto', scrollbarWidth: 'none' },
        tab: { minHeight: 48, whiteSpace: 'nowrap' },
      },
    },
  },
});
