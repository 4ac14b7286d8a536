# Writes OUTPUT: the page PAGE (web/index.html) with designer.css, glue.js
# (from WEB) and designer.js (SCRIPT, a -sSINGLE_FILE build carrying its
# wasm inline) put inside it, so that it loads nothing else.
file(READ "${PAGE}" _page)
file(READ "${WEB}/designer.css" _css)
file(READ "${WEB}/glue.js" _glue)
file(READ "${SCRIPT}" _script)

foreach(_part _css _glue _script)
  string(TOLOWER "${${_part}}" _lower)
  string(FIND "${_lower}" "</script" _end_script)
  string(FIND "${_lower}" "</style" _end_style)
  if(NOT _end_script EQUAL -1 OR NOT _end_style EQUAL -1)
    message(FATAL_ERROR "${_part} holds a closing tag and cannot be inlined")
  endif()
endforeach()

function(replace_once what with)
  string(FIND "${_page}" "${what}" _at)
  if(_at EQUAL -1)
    message(FATAL_ERROR "${PAGE} no longer has ${what}")
  endif()
  string(REPLACE "${what}" "${with}" _page "${_page}")
  set(_page "${_page}" PARENT_SCOPE)
endfunction()

replace_once("<link rel=\"stylesheet\" href=\"designer.css\">" "<style>\n${_css}</style>")
replace_once("<script src=\"glue.js\"></script>" "<script>\n${_glue}</script>")
replace_once("<script src=\"designer.js\" async></script>" "<script>\n${_script}</script>")
file(WRITE "${OUTPUT}.tmp" "${_page}")
file(RENAME "${OUTPUT}.tmp" "${OUTPUT}")
