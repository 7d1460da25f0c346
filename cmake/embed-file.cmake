# cmake -DIN=file -DOUT=file.c -P embed-file.cmake: the bytes of IN as a C
# array wh_sigma_default_mapping (NUL-terminated) and its length.
file(READ ${IN} hex HEX)
string(LENGTH "${hex}" hexlen)
math(EXPR len "${hexlen} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
string(REGEX REPLACE "(0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,)" "\\1\n" bytes "${bytes}")
file(WRITE ${OUT} "/* generated from ${IN}: do not edit */\n"
     "const unsigned char wh_sigma_default_mapping[] = {\n${bytes}0x00};\n"
     "const unsigned long wh_sigma_default_mapping_len = ${len};\n")
