from meshcollab.cli import main

main()
