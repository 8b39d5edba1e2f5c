"""Attention Lab: page config and routing. Every page draws the shared frame itself (ui.frame),
so a bookmarked page also works when Streamlit runs it alone on a fresh server. Mirrored widgets
publish themselves to the URL as they are drawn (ui.state); one more publish after the page has
run catches anything a page changed after its last widget."""

import streamlit as st

from ui import state
from ui.menu import HOME, SECTIONS

st.set_page_config(page_title="Attention Lab", page_icon=":material/search:", layout="wide")
pages = {section: [st.Page(path, title=title, icon=icon, default=(path == HOME))
                   for path, title, icon in entries]
         for section, entries in SECTIONS.items()}
st.navigation(pages, position="hidden").run()
state.publish()
