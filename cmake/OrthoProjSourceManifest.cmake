# Writes the source manifest that travels beside orthoproj_kernels.fatbin: one line per cuda/*.cu
# and *.cuh file, "<sha256 of the file's bytes, lowercase hex>  <file name>", sorted by name (the
# format of sha256sum, so `cd cuda && sha256sum -c <manifest>` checks it by hand).
#
# Why: the fatbin is compiled from these sources, and the library must never load a fatbin built
# from other sources than those it embeds (OrthoProj.Managed carries cuda/*.cu + *.cuh as
# resources). At load, KernelSourceManifest compares this file with the embedded sources, and the
# .NET build (OrthoProj.Managed/ShippedFatbin.targets) compares it with cuda/ before it copies or
# packs the fatbin; any difference falls back to NVRTC.
#
# Run as a script at build time, right after nvcc, so that the manifest always describes the
# sources that very nvcc run read (configure-time hashing would go stale on an edit):
#   cmake -DSOURCE_DIR=<cuda folder> -DOUTPUT=<manifest path> -P OrthoProjSourceManifest.cmake

if(NOT SOURCE_DIR OR NOT OUTPUT)
  message(FATAL_ERROR "usage: cmake -DSOURCE_DIR=<cuda folder> -DOUTPUT=<manifest> -P ${CMAKE_CURRENT_LIST_FILE}")
endif()

file(GLOB sources RELATIVE "${SOURCE_DIR}" "${SOURCE_DIR}/*.cu" "${SOURCE_DIR}/*.cuh")
list(SORT sources)
set(manifest "")
foreach(name IN LISTS sources)
  file(SHA256 "${SOURCE_DIR}/${name}" digest)
  string(APPEND manifest "${digest}  ${name}\n")
endforeach()

# Written through a temporary file and renamed, so that a reader never sees half a manifest.
file(WRITE "${OUTPUT}.tmp" "${manifest}")
file(RENAME "${OUTPUT}.tmp" "${OUTPUT}")
