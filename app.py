"""Attention Lab: page config and routing. Every page draws the shared frame itself (ui.frame)."""

import streamlit as st

st.set_page_config(page_title="Attention Lab", page_icon="🔍", layout="wide")

SECTIONS = {
    "": [("pages/home.py", "Home", "🏠")],
}

pages = {section: [st.Page(path, title=title, icon=icon, default=(path == "pages/home.py"))
                   for path, title, icon in entries]
         for section, entries in SECTIONS.items()}
st.navigation(pages).run()
