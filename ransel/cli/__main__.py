from ransel.cli import main

main()
