{
  "targets": [
    {
      "target_name": "whittle_native",
      "sources": ["whittle_native.c", "mlp.c", "data.c", "gemm_avx512.c", "args.c", "transformer.c", "attention.c", "gemm.c"],
      "cflags": ["-O3", "-std=c11", "-fno-math-errno"],
      "xcode_settings": { "OTHER_CFLAGS": ["-O3", "-std=c11"] },
      "msvs_settings": { "VCCLCompilerTool": { "Optimization": 2 } },
      "conditions": [["OS=='linux'", { "cflags": ["-fopenmp"], "libraries": ["-ldl", "-lm", "-fopenmp"] }]]
    }
  ]
}
